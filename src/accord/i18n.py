"""Korean and English: the message catalogs, the language of the moment, dates and numbers.

The language in force is a context variable, so concurrent requests (threads of the pool, tasks
of the event loop) never see each other's: the web layer sets it per request (`activate`), the
report writer and CLI with `use_locale`.  Templates and Python code translate through the same
`gettext`, which reads it.  Catalogs are the committed `locale/<lang>/LC_MESSAGES/messages.po`
files, compiled in memory on first use: there is no .mo file that could drift from its .po.
See docs/i18n.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy, NullTranslations, Translations

LOCALES = ("en", "ko")
"""The interface languages, the default first."""
DEFAULT = "en"
LANGUAGE_NAMES = {"en": "English", "ko": "한국어"}
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("accord_locale", default=DEFAULT)


@functools.cache
def translations(locale: str) -> NullTranslations:
    """The catalog of `locale`, compiled from its .po file (cached for the process)."""
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if locale == DEFAULT or not path.exists():
        return NullTranslations()  # English is the source language: msgids are the text
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def supported(code: str | None) -> str | None:
    """`code` ("ko", "ko-KR", "en_US") as one of LOCALES, or None."""
    if not code:
        return None
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return base if base in LOCALES else None


def negotiate(accept_language: str | None) -> str | None:
    """The best of LOCALES for an Accept-Language header, or None when none is acceptable."""
    if not accept_language:
        return None
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, index, tag.strip()))
    preferred = [tag for _, _, tag in sorted(ranked)]
    try:
        found = Locale.negotiate(preferred, list(LOCALES), sep="-")
    except (UnknownLocaleError, ValueError):
        found = None
    if found is not None:
        return supported(str(found))
    # Locale.negotiate wants exact or aliased tags; "ko-KR" alone still means Korean
    return next((s for s in (supported(t) for t in preferred) if s), None)


def choose(
    *,
    explicit: str | None = None,
    user: str | None = None,
    cookie: str | None = None,
    accept_language: str | None = None,
) -> str:
    """The language of a request: `?lang=`, else the user's preference, else the browser's
    choice (the switcher's cookie), else Accept-Language, else English."""
    return (
        supported(explicit)
        or supported(user)
        or supported(cookie)
        or negotiate(accept_language)
        or DEFAULT
    )


def activate(locale: str) -> None:
    """Make `locale` the language of the current request or task (and what it starts)."""
    _current.set(supported(locale) or DEFAULT)


def current() -> str:
    """The language in force."""
    return _current.get()


@contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Translate into `locale` within the block (the report writer, the CLI)."""
    token = _current.set(supported(locale) or DEFAULT)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def gettext(message: str, **variables: Any) -> str:
    """`message` in the current language, with %(name)s `variables` filled in (as in the
    templates, a literal percent sign is written %%)."""
    return translations(current()).gettext(message) % variables


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The singular or plural form for `num`; %(num)s and `variables` filled in."""
    variables.setdefault("num", num)
    return translations(current()).ngettext(singular, plural, num) % variables


_ = gettext


def term(value: object) -> str:
    """A word that arrives as data (a status, a role, a scale level) in the current language,
    when the catalogs have it (web/terms.py lists them), else unchanged."""
    if value is None:
        return ""
    text = str(value)
    return translations(current()).gettext(text) if text else text


def lazy_gettext(message: str, **variables: Any) -> LazyProxy:
    """`gettext` evaluated when the text is used: for module-level constants."""
    if not variables:  # the caller fills in the placeholders: str(proxy) % {...}
        return LazyProxy(_raw_gettext, message, enable_cache=False)
    return LazyProxy(gettext, message, enable_cache=False, **variables)


_titles_ko: dict[str, str] = {}


def learn_titles(fw: Any) -> None:
    """Remember the Korean titles of a framework (plan, conditions, fields, standards, stage
    names), by their English text: every page then shows them with `|local` in Korean."""
    pairs = [(fw.title, fw.title_ko)]
    for c in fw.conditions:
        pairs.append((c.title, c.title_ko))
        for f in c.fields:
            pairs.append((f.title, f.title_ko))
            pairs.extend((s.title, s.title_ko) for s in f.standards)
    pairs.extend((st.name, getattr(st, "name_ko", "")) for st in fw.stages)
    # one dict.update: readers on other threads see the old or the new entries, never half
    _titles_ko.update({en: ko for en, ko in pairs if en and ko})


def title(text: Any) -> str:
    """A framework title (English, as stored) in the current language, when known."""
    if text is None:
        return ""
    value = str(text)
    if current() == "ko":
        return _titles_ko.get(value, value)
    return value


def localized(item: Any, field: str = "title") -> str:
    """A framework object's `field` in the current language: `<field>_ko` (attribute or key)
    when the language is Korean and it is set, else the default `field`."""
    lang = current()

    def get(name: str) -> Any:
        if isinstance(item, Mapping):
            return item.get(name)
        return getattr(item, name, None)

    if lang != DEFAULT:
        other = get(f"{field}_{lang}")
        if other:
            return str(other)
    value = get(field)
    return title(value)


def _as_date(value: Any) -> dt.date | dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    text = str(value)
    try:
        return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
    except ValueError:
        return None


# English pages keep ISO 8601 dates (2026-12-06): unambiguous to readers of both nations and
# the same as the JSON; Korean pages write dates the Korean way (2026. 12. 6.)
DATE_FORMATS = {"en": "yyyy-MM-dd", "ko": "medium"}


def format_date(value: Any, format: str | None = None) -> str:
    """A date (or ISO date string) for people in the current language ("2026-12-06",
    "2026. 12. 6."); text that is not a date is returned unchanged."""
    parsed = _as_date(value)
    if parsed is None:
        return "" if value is None else str(value)
    day = parsed.date() if isinstance(parsed, dt.datetime) else parsed
    lang = current()
    return dates.format_date(day, format=format or DATE_FORMATS[lang], locale=lang)


# a date known to the day, the month or the year (governance: "4 Nov 2019", "Nov 2019", "2019")
PARTIAL_FORMATS = {
    "en": {"day": "d MMM y", "month": "MMM y", "year": "y"},
    "ko": {"day": "y. M. d.", "month": "y년 M월", "year": "y년"},
}


def format_partial_date(value: Any) -> str:
    """A date of the governance record as precise as it is known, in the current language:
    from its ISO form ("2019-11-04", "2019-11", "2019") or a date document ({"iso": …})."""
    if isinstance(value, Mapping):
        value = value.get("iso")
    if value is None or value == "":
        return ""
    text = str(value)
    parts = text.split("-")
    try:
        numbers_ = [int(p) for p in parts]
        day = dt.date(numbers_[0], *[*numbers_[1:], 1, 1][:2])
    except (ValueError, TypeError):
        return text
    precision = ("year", "month", "day")[min(len(parts), 3) - 1]
    lang = current()
    return dates.format_date(day, format=PARTIAL_FORMATS[lang][precision], locale=lang)


def format_datetime(value: Any) -> str:
    """A timestamp for people, in UTC as stored ("2026-12-06 14:03 UTC")."""
    parsed = _as_date(value)
    if parsed is None:
        return "" if value is None else str(value)
    if not isinstance(parsed, dt.datetime):
        return format_date(parsed)
    when = parsed.astimezone(dt.UTC) if parsed.tzinfo else parsed
    lang = current()
    pattern = "yyyy-MM-dd HH:mm" if lang == DEFAULT else "yyyy. M. d. HH:mm"
    return dates.format_datetime(when, format=pattern, locale=lang) + " UTC"


def format_number(value: Any, digits: int | None = None) -> str:
    """A number with the language's grouping; `digits` fixes the decimals."""
    if value is None:
        return "—"
    fmt = None if digits is None else "#,##0" + ("." + "0" * digits if digits else "")
    return numbers.format_decimal(value, format=fmt, locale=current())


def format_percent(value: Any, digits: int = 0) -> str:
    """A share (0.42) as a percentage ("42%")."""
    if value is None:
        return "—"
    fmt = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return numbers.format_percent(value, format=fmt, locale=current())


def rule_text(rule: Mapping[str, Any]) -> str:
    """The meaningful-progress rule in words (a progress document's `rule`), in the current
    language; English is the engine's own wording."""
    if current() == DEFAULT:
        return str(rule["text"])
    parts = []
    if rule["min_score_delta"] > 0:
        delta = format(rule["min_score_delta"], "g")
        parts.append(gettext("score up by at least %(d)s", d=delta))
    if rule["min_newly_met"] > 0:
        parts.append(
            ngettext(
                "at least %(num)d standard newly met",
                "at least %(num)d standards newly met",
                rule["min_newly_met"],
            )
        )
    joiner = gettext(" or ") if rule.get("combine") == "any" else gettext(" and ")
    return joiner.join(parts)


def progress_statement(progress: Mapping[str, Any]) -> str:
    """The progress statement of a progress document, in the current language; English is
    the engine's sentence, word for word."""
    if current() == DEFAULT:
        return str(progress["statement"])
    level = term(progress["rule"]["judged_at"])
    k, n, total = len(progress["qualifying"]), progress["comparable"], progress["total"]
    if n == 0:
        return gettext(
            "Progress cannot be judged: no %(level)s was rated in both evaluations.", level=level
        )
    if progress["meaningful"]:
        head = gettext(
            "Meaningful progress across %(k)s of %(n)s %(level)ss", k=k, n=n, level=level
        )
    else:
        head = gettext(
            "No meaningful progress overall: %(k)s of %(n)s %(level)ss met the rule",
            k=k,
            n=n,
            level=level,
        )
    text = f"{head} ({rule_text(progress['rule'])})."
    if n < total:
        text += " " + gettext(
            "%(k)s of %(n)s %(level)ss could not be compared.", k=total - n, n=total, level=level
        )
    return text


def progress_reasons(node: Mapping[str, Any], rule: Mapping[str, Any]) -> str:
    """Why a field or condition did or did not qualify (a progress basis row), in the current
    language; English is the engine's wording."""
    if current() == DEFAULT:
        return "; ".join(node["reasons"])
    before, after = node["before"], node["after"]
    if node["meaningful"] is None:  # the engine's verdict when nothing was rated in both
        return gettext("not comparable: no standard rated in both evaluations")
    out = []
    if rule["min_score_delta"] > 0:
        if before is None or after is None:
            out.append(gettext("score not available in both evaluations"))
        else:
            delta = after - before
            values = {
                "by": format(abs(delta), ".2f"),
                "before": format(before, ".2f"),
                "after": format(after, ".2f"),
                "needs": format(rule["min_score_delta"], "g"),
            }
            if delta > 1e-9:
                text = gettext("score rose by %(by)s (%(before)s → %(after)s)", **values)
            elif delta < -1e-9:
                text = gettext("score fell by %(by)s (%(before)s → %(after)s)", **values)
            else:
                text = gettext("score did not change (%(before)s → %(after)s)", **values)
            out.append(text + "; " + gettext("rule needs +%(needs)s", **values))
    if rule["min_newly_met"] > 0:
        newly = node["newly_met"]
        listed = ": " + ", ".join(newly) if newly else ""
        out.append(
            gettext("%(n)s standard(s) newly met%(listed)s", n=len(newly), listed=listed)
            + "; "
            + gettext("rule needs %(n)s", n=rule["min_newly_met"])
        )
    return "; ".join(out)


def _raw_gettext(message: str) -> str:
    return translations(current()).gettext(message)


def _raw_ngettext(singular: str, plural: str, num: int) -> str:
    return translations(current()).ngettext(singular, plural, num)


def action_status(status: str) -> str:
    """An action item's status (open, in_progress, done, dropped) for people."""
    return str(translations(current()).pgettext("action item", status.replace("_", " ")))


def _raw_pgettext(context: str, message: str) -> str:
    return str(translations(current()).pgettext(context, message))


def install(env: Any) -> None:
    """Give a Jinja environment (with the i18n extension) the translating callables and the
    date and number filters; both read the language in force at render time."""
    # Jinja's new-style wrappers fill in the variables themselves (escaping them)
    env.install_gettext_callables(
        gettext=_raw_gettext, ngettext=_raw_ngettext, newstyle=True, pgettext=_raw_pgettext
    )
    env.globals.update(
        current_locale=current,
        localized=localized,
        languages=LANGUAGE_NAMES,
        action_status=action_status,
        progress_statement=progress_statement,
        rule_text=rule_text,
        progress_reasons=progress_reasons,
    )
    env.filters.update(
        date=format_date,
        partial_date=format_partial_date,
        datetime=format_datetime,
        number=format_number,
        percent=format_percent,
        localized=localized,
        term=term,
        local=title,  # {{ c.title|local }}: the builtin |title capitalises
    )

"""The message catalogs in one command: extract, update, check (see docs/i18n.md).

    .venv/bin/python tools/i18n.py update   # messages.pot from the sources, then ko/en .po
    .venv/bin/python tools/i18n.py check    # exit 1 if a message lacks its Korean translation
    .venv/bin/python tools/i18n.py missing  # the untranslated Korean messages, as .po text
    .venv/bin/python tools/i18n.py translate FILE.json  # merge {"English": "한국어"} into ko
        (a message translated already keeps its translation unless --force is given)

`make messages` runs `update` then `check`.  No .mo files: accord compiles the .po files in
memory when it starts (accord/i18n.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po
from jinja2.ext import babel_extract

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "accord"
LOCALE_DIR = SOURCE / "locale"
POT = LOCALE_DIR / "messages.pot"
LANGUAGES = ("ko", "en")
STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
KEYWORDS = {
    "N_": None,
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "pgettext": ((1, "c"), 2),
}
METHODS: list[tuple[str, Any]] = [
    ("migrations/**", "ignore"),
    ("web/static/**", "ignore"),
    ("**.py", "python"),
    # Jinja's extractor by callable: no entry point has to be registered
    ("web/templates/**.html", babel_extract),
    ("web/templates/**.md", babel_extract),
]
OPTIONS = {
    "web/templates/**.html": {"extensions": "jinja2.ext.i18n", "silent": "false"},
    "web/templates/**.md": {"extensions": "jinja2.ext.i18n", "silent": "false"},
}


def extract() -> Catalog:
    """Every translatable message of the sources and templates."""
    catalog = Catalog(
        project="accord",
        version="",
        msgid_bugs_address="",
        charset="utf-8",
        # fixed: the files change only when a message does
        creation_date=STAMP,
        revision_date=STAMP,
    )
    found = extract_from_dir(
        str(SOURCE),
        method_map=METHODS,
        options_map=OPTIONS,
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    )
    for filename, lineno, message, comments, context in found:
        catalog.add(
            message,
            None,
            [(str(Path("src/accord") / filename), lineno)],
            auto_comments=comments,
            context=context,
        )
    return catalog


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _write(catalog: Catalog, path: Path) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=True, omit_header=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != buffer.getvalue():
        path.write_bytes(buffer.getvalue())


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """One writer of the catalogs at a time (several people or tools may update them)."""
    LOCALE_DIR.mkdir(parents=True, exist_ok=True)
    with (LOCALE_DIR / ".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def translate(path: Path, lang: str = "ko", *, force: bool = False) -> int:
    """Update the catalogs, then fill `lang`'s with the translations of a JSON file: an object
    of English msgid to translated text (a list of forms for a plural).  Returns how many
    messages it set; msgids the sources do not have are reported and skipped, and so is a
    message already translated otherwise, unless `force`."""
    given = json.loads(path.read_text(encoding="utf-8"))
    with _locked():
        _update()
        po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
        catalog = _read(po, lang)
        done = 0
        for msgid, text in given.items():
            found = next(
                (
                    m
                    for m in catalog
                    if m.id == msgid or (isinstance(m.id, tuple) and m.id[0] == msgid)
                ),
                None,
            )
            if found is None:
                print(f"not in the sources, skipped: {msgid!r}", file=sys.stderr)
                continue
            wanted = tuple(text) if isinstance(found.id, tuple) else str(text)
            if not wanted or not all(wanted):
                print(f"empty translation, skipped: {msgid!r}", file=sys.stderr)
                continue
            had = found.string
            translated = bool(had) and (all(had) if isinstance(had, tuple) else True)
            if translated and had != wanted and not force:
                # one word, one translation: the catalog's stays
                print(f"kept the catalog's {had!r} for {msgid!r}", file=sys.stderr)
                continue
            found.string = wanted
            found.flags.discard("fuzzy")
            done += 1
        _write(catalog, po)
    return done


def update() -> None:
    """`_update` under the catalogs' lock."""
    with _locked():
        _update()


def _update() -> None:
    """Write messages.pot and bring each language's .po up to date with it (new messages
    added untranslated, vanished ones dropped, translations kept)."""
    template = extract()
    _write(template, POT)
    for lang in LANGUAGES:
        path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
        if path.exists():
            catalog = _read(path, lang)
        else:
            catalog = Catalog(locale=lang, project="accord", charset="utf-8", revision_date=STAMP)
        catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
        catalog.revision_date = STAMP
        catalog.obsolete.clear()
        _write(catalog, path)


def missing(lang: str = "ko") -> list[str]:
    """The messages of the sources without a translation in `lang`'s catalog."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    catalog = _read(path, lang) if path.exists() else Catalog(locale=lang)
    out = []
    for message in extract():
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        strings = found.string if found is not None else None
        ok = all(strings) if isinstance(strings, tuple | list) else bool(strings)
        if not ok or (found is not None and found.fuzzy):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def main(argv: list[str]) -> int:
    """The command line: update, check or missing."""
    command = argv[0] if argv else "update"
    if command == "update":
        update()
        print(f"wrote {POT.relative_to(ROOT)} and {', '.join(LANGUAGES)} catalogs")
        return 0
    if command in ("check", "missing"):
        gaps = missing("ko")
        for msgid in gaps:
            print(msgid)
        if gaps:
            print(f"{len(gaps)} message(s) without a Korean translation", file=sys.stderr)
        return 1 if gaps and command == "check" else 0
    if command == "translate" and len(argv) in (2, 3):
        force = "--force" in argv
        files = [a for a in argv[1:] if a != "--force"]
        print(f"{translate(Path(files[0]), force=force)} Korean message(s) set")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

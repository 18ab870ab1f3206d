"""The language of the command line (docs/i18n.md, "The command line").

The first of these that names a language accord has: the root option `accord --lang en|ko`;
the environment variable ACCORD_LANG; the POSIX locale, read from LC_ALL, LC_MESSAGES and LANG
in that order (the first one set decides: "ko_KR.UTF-8" is Korean, "C", "POSIX",
"en_US.UTF-8" or any language accord lacks is English); else English.
"""

from __future__ import annotations

from collections.abc import Mapping

from accord import i18n

LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")
"""The POSIX variables that name the language of messages, the strongest first."""


def from_locale(value: str | None) -> str | None:
    """The language of a POSIX locale name ("ko_KR.UTF-8", "ko_KR.eucKR@x", "ko"), or None
    for "C", "POSIX" and languages accord does not have."""
    if not value:
        return None
    name = value.split(".")[0].split("@")[0]
    if name in ("C", "POSIX"):
        return None
    return i18n.supported(name)


def choose(option: str | None, environ: Mapping[str, str]) -> str:
    """The language of this command: --lang, else ACCORD_LANG, else the locale, else English."""
    chosen = i18n.supported(option) or from_locale(environ.get("ACCORD_LANG"))
    if chosen:
        return chosen
    for name in LOCALE_VARIABLES:
        value = environ.get(name)
        if value:  # the first variable set decides, as for every POSIX program
            return from_locale(value) or i18n.DEFAULT
    return i18n.DEFAULT


def N_(text: str) -> str:
    """Mark `text` for the catalogs without translating it now."""
    return text


TERMS = (
    # words that reach the command line as data and web/terms.py does not list; shown with
    # i18n.term: meeting and decision statuses, evidence releasability, feed poll statuses,
    # timeline kinds
    N_("held"),
    N_("cancelled"),
    N_("adopted"),
    N_("withdrawn"),
    N_("shared"),
    N_("not modified"),
    N_("error"),
    N_("stage_event"),
)

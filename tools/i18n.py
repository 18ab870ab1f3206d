"""The message catalogs in one command: extract, update, check (see docs/i18n.md).

    .venv/bin/python tools/i18n.py update   # messages.pot from the sources, then ko/en .po
    .venv/bin/python tools/i18n.py check    # exit 1 if a message lacks its Korean translation
    .venv/bin/python tools/i18n.py missing  # the untranslated Korean messages, as .po text

`make messages` runs `update` then `check`.  No .mo files: accord compiles the .po files in
memory when it starts (accord/i18n.py).
"""

from __future__ import annotations

import datetime as dt
import io
import sys
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


def update() -> None:
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
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

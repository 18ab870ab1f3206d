"""RSS and Atom documents to entries, verbatim, through feedparser (given bytes, never a URL).

Verbatim means: the text of each element as the XML delivers it (escapes such as `&lt;` or
`&amp;` decoded, leading and trailing white space trimmed by feedparser), with feedparser's
HTML sanitiser and relative-link rewriting turned off.  Nothing else is changed: hostile HTML
is kept as the agency (or an attacker) wrote it, and sanitised only when it is displayed.
An item too large to keep is skipped whole, with the reason, never truncated.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any

import feedparser

from .entry import FIELDS, Entry
from .fastparse import fast_entries

__all__ = ["Entry", "FeedError", "Parsed", "parse"]
RAW_DATE_MAX = 200  # FeedItem.published_raw


class FeedError(ValueError):
    """A document with nothing readable in it; the message names the file or address."""


@dataclass
class Parsed:
    """What one document gave: its entries, the ones refused (with why), and warnings."""

    title: str = ""
    entries: list[Entry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _content(entry: Any) -> str:
    # several content elements (rare: alternative types) are kept one after the other
    parts = [_text(c.get("value")) for c in entry.get("content") or [] if isinstance(c, dict)]
    return "\n".join(p for p in parts if p)


def _summary(entry: Any, content: str) -> str:
    summary = _text(entry.get("summary"))
    # feedparser copies an Atom entry's content into summary when it has none of its own
    if summary and summary == content and "summary_detail" not in entry:
        return ""
    return summary


def _published(entry: Any) -> tuple[dt.datetime | None, str | None]:
    # dict.get: FeedParserDict's own get maps missing keys to others, with a warning
    raw = _text(dict.get(entry, "published")) or _text(dict.get(entry, "updated")) or None
    parsed = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    when = None
    if parsed is not None:
        try:
            when = dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.UTC)
        except (OverflowError, ValueError, TypeError):
            when = None
    if raw is not None and len(raw) > RAW_DATE_MAX:
        raw = None  # not a date anyone wrote on purpose
    return when, raw


def _label(entry: Entry, index: int) -> str:
    name = entry.title or entry.guid or entry.link or f"#{index + 1}"
    return f"item {index + 1} ({name[:80]!r})"


_CHARREF = re.compile(rb"&#([xX][0-9a-fA-F]+|[0-9]+);")


def _no_character(ref: re.Match[bytes]) -> bytes:
    digits = ref[1]
    hexadecimal = digits[:1] in b"xX"
    digits = (digits[1:] if hexadecimal else digits).lstrip(b"0") or b"0"
    n = int(digits, 16 if hexadecimal else 10) if len(digits) <= 8 else -1
    return ref[0] if 0 <= n <= 0x10FFFF and not 0xD800 <= n <= 0xDFFF else b"&#xFFFD;"


def _read(data: bytes) -> Any:
    return feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False)


def _feedparser(data: bytes, source: str, out: Parsed) -> list[Entry]:
    try:
        doc = _read(data)
    except (ValueError, OverflowError):
        # feedparser's lenient parser fails on a reference to no character (&#xD800;,
        # &#x110000;): read those as U+FFFD, as browsers do, and say so
        try:
            doc = _read(_CHARREF.sub(_no_character, data))
        except (ValueError, OverflowError) as exc:
            raise FeedError(f"{source}: not a readable feed ({exc})") from None
        out.warnings.append(
            f"{source}: character references to no character (a surrogate, or beyond "
            "U+10FFFF) were read as U+FFFD"
        )
    out.title = _text(doc.feed.get("title")) if doc.get("feed") else ""
    if doc.get("bozo"):
        problem = str(doc.get("bozo_exception") or "malformed")
        if not doc.entries:
            if not doc.get("version"):
                raise FeedError(f"{source}: not an RSS or Atom feed ({problem})")
            raise FeedError(f"{source}: no readable item in the feed ({problem})")
        out.warnings.append(
            f"{source}: malformed feed, {len(doc.entries)} item(s) recovered ({problem})"
        )
    elif not doc.get("version"):
        raise FeedError(f"{source}: not an RSS or Atom feed")
    entries = []
    for e in doc.entries:
        content = _content(e)
        when, raw = _published(e)
        entries.append(
            Entry(
                guid=_text(e.get("id")) or None,
                link=_text(e.get("link")) or None,
                title=_text(e.get("title")),
                summary=_summary(e, content),
                content=content,
                author=_text(e.get("author")),
                published_at=when,
                published_raw=raw,
            )
        )
    return entries


def parse(data: bytes, *, source: str, max_item_bytes: int, fast: bool = True) -> Parsed:
    """The entries of one RSS or Atom document; FeedError (naming `source`) when it has none
    and is not a well-formed feed.  `fast=False` always uses feedparser."""
    out = Parsed()
    quick = fast_entries(data) if fast else None
    if quick is not None:
        out.title, entries = quick
    else:
        entries = _feedparser(data, source, out)
    for i, entry in enumerate(entries):
        name, size = entry.largest()
        if size > max_item_bytes:
            out.skipped.append(
                f"{_label(entry, i)}: its {name} is {size} bytes, over the limit of "
                f"{max_item_bytes} (ACCORD_FEED_MAX_ITEM_BYTES); not stored, items are never cut"
            )
        elif any("\x00" in (getattr(entry, f) or "") for f in FIELDS):
            out.skipped.append(f"{_label(entry, i)}: contains a NUL character")
        elif not (entry.title or entry.summary or entry.content or entry.link):
            out.skipped.append(f"{_label(entry, i)}: no title, text or link")
        else:
            out.entries.append(entry)
    return out

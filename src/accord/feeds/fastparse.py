"""A fast path for plain, well-formed RSS 2.0 and Atom 1.0 documents (ElementTree's C parser).

feedparser spends about a millisecond per item; most agency feeds are plain RSS 2.0 or Atom.
This reads exactly those, and only when every item uses simple elements in the simple way, and
gives the same entries feedparser gives (tests/test_feeds.py compares the two on every fixture).
Anything else (malformed XML, a DOCTYPE, xml:base, another encoding than UTF-8, XHTML
content, nested markup, a field given twice, an unknown element) returns None, and feedparser
reads the document.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Any

from feedparser.datetimes import _parse_date

from .entry import Entry

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
DECLARATION = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"']")
RSS_FIELDS = {
    "title": "title",
    "link": "link",
    "guid": "guid",
    "pubDate": "published",
    "description": "summary",
    CONTENT: "content",
    "author": "author",
    DC_CREATOR: "author",
}
RSS_IGNORED = {"category", "comments", "enclosure", "source"}
ATOM_TEXT = {"title", "summary", "content", "id", "published", "updated"}
ATOM_IGNORED = {"category", "contributor", "rights", "source"}
RAW_DATE_MAX = 200


class _NotSimple(Exception):
    pass


def _text(el: ET.Element) -> str:
    if len(el):  # nested markup: feedparser's rules for it are its own
        raise _NotSimple
    return (el.text or "").strip()


def _when(raw: str | None) -> tuple[dt.datetime | None, str | None]:
    if not raw:
        return None, None
    parsed = _parse_date(raw)
    when = None
    if parsed is not None:
        try:
            when = dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.UTC)
        except (OverflowError, ValueError, TypeError):
            when = None
    return when, raw if len(raw) <= RAW_DATE_MAX else None


def _rss_item(item: ET.Element) -> Entry:
    got: dict[str, str] = {}
    for child in item:
        if child.tag in RSS_IGNORED:
            continue
        name = RSS_FIELDS.get(child.tag)
        if name is None or name in got:
            raise _NotSimple
        if set(child.attrib) - ({"isPermaLink"} if child.tag == "guid" else set()):
            raise _NotSimple
        got[name] = _text(child)
    if not got.get("link"):  # feedparser would take a permalink GUID as the link
        raise _NotSimple
    when, raw = _when(got.get("published"))
    return Entry(
        guid=got.get("guid") or None,
        link=got["link"],
        title=got.get("title", ""),
        summary=got.get("summary", ""),
        content=got.get("content", ""),
        author=got.get("author", ""),
        published_at=when,
        published_raw=raw,
    )


def _atom_entry(entry: ET.Element) -> Entry:
    got: dict[str, str] = {}
    link = None
    for child in entry:
        tag = child.tag.removeprefix(ATOM)
        if child.tag != ATOM + tag or tag in ATOM_IGNORED:
            if child.tag == ATOM + tag:
                continue
            raise _NotSimple
        if tag == "link":
            rel, kind = child.get("rel", "alternate"), child.get("type", "text/html")
            if rel == "alternate":
                if link is not None or kind != "text/html" or not child.get("href"):
                    raise _NotSimple
                link = child.get("href", "").strip()
            continue
        if tag == "author":
            if "author" in got or [c.tag for c in child] != [ATOM + "name"]:
                raise _NotSimple
            got["author"] = _text(child[0])
            continue
        if tag not in ATOM_TEXT or tag in got:
            raise _NotSimple
        if tag in ("title", "summary", "content") and child.get("type", "text") not in (
            "text",
            "html",
        ):
            raise _NotSimple
        if set(child.attrib) - {"type"}:
            raise _NotSimple
        got[tag] = _text(child)
    if not link or "summary" not in got:  # feedparser copies content into a missing summary
        raise _NotSimple
    when, raw = _when(got.get("published") or got.get("updated"))
    return Entry(
        guid=got.get("id") or None,
        link=link,
        title=got.get("title", ""),
        summary=got["summary"],
        content=got.get("content", ""),
        author=got.get("author", ""),
        published_at=when,
        published_raw=raw,
    )


def fast_entries(data: bytes) -> tuple[str, list[Entry]] | None:
    """(feed title, entries) of a plain RSS 2.0 or Atom 1.0 document; None for anything else."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf")
    declared = DECLARATION.match(head)
    if declared and declared[1].lower() not in (b"utf-8", b"utf8", b"us-ascii"):
        return None
    if b"<!DOCTYPE" in data[:4096] or b"xml:base" in data:
        return None
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None
    try:
        if root.tag == "rss" and root.get("version") == "2.0":
            channels = root.findall("channel")
            if len(channels) != 1:
                return None
            title = (channels[0].findtext("title") or "").strip()
            return title, [_rss_item(i) for i in channels[0].findall("item")]
        if root.tag == ATOM + "feed":
            title_el: Any = root.find(ATOM + "title")
            if title_el is not None and (len(title_el) or title_el.get("type") == "xhtml"):
                return None
            title = (title_el.text or "").strip() if title_el is not None else ""
            return title, [_atom_entry(e) for e in root.findall(ATOM + "entry")]
    except _NotSimple:
        return None
    return None

"""One feed item as the feed gave it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

FIELDS = ("title", "summary", "content", "author", "link", "guid")


@dataclass(frozen=True)
class Entry:
    """One item of a feed, its text as the feed gave it."""

    guid: str | None
    link: str | None
    title: str
    summary: str
    content: str
    author: str
    published_at: dt.datetime | None
    published_raw: str | None

    def largest(self) -> tuple[str, int]:
        """The largest text field and its size in bytes (UTF-8)."""
        sizes = [(len((getattr(self, f) or "").encode("utf-8")), f) for f in FIELDS]
        size, name = max(sizes)
        return name, size

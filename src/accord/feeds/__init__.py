"""Feed polling: fetching RSS/Atom documents, parsing them verbatim, and the dedupe keys.

Pure I/O and parsing, no database: `services.feeds` stores what these modules return.
"""

from __future__ import annotations

from dataclasses import dataclass

from accord.config import Settings


@dataclass(frozen=True)
class Limits:
    """How long and how much a poll may fetch, and how it matches (the ACCORD_FEED* settings)."""

    timeout_seconds: float = 20.0
    max_bytes: int = 10 * 1024 * 1024
    max_item_bytes: int = 1024 * 1024
    semantic: bool = False  # also match new items with the sentence-embedding model
    semantic_threshold: float = 0.45


def limits_of(settings: Settings) -> Limits:
    """The feed limits a workspace's settings give."""
    return Limits(
        timeout_seconds=settings.feed_timeout_seconds,
        max_bytes=settings.feed_max_bytes,
        max_item_bytes=settings.feed_max_item_bytes,
        semantic=settings.feeds_semantic,
        semantic_threshold=settings.feeds_semantic_threshold,
    )

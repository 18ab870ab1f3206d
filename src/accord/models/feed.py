"""Feeds a plan subscribed to, the items they brought (verbatim), and items matched to standards.

Items belong to a plan, not to a feed: the same story republished by two agencies is one item
seen in two feeds (FeedItemSource).  Duplicates are caught by FeedItemKey, whose unique
constraint holds one row per (plan, kind, hash) for kinds guid, link (normalised) and content.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamped, new_uid, utcnow
from .plan import Plan

FEED_SOURCES = ("url", "path")  # an http(s) address, or a local file or directory
ITEM_STATUSES = ("unreviewed", "reviewed", "dismissed")
KEY_KINDS = ("guid", "link", "content")
MATCH_METHODS = ("keyword", "semantic")


class Feed(Timestamped, Base):
    __tablename__ = "feed"
    __table_args__ = (UniqueConstraint("plan_id", "location"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(8))  # url | path
    location: Mapped[str] = mapped_column(String(2000))  # the address or the path
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    interval_minutes: Mapped[int] = mapped_column(Integer, default=60)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_polled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    next_poll_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive, for the backoff
    last_status: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))

    plan: Mapped[Plan] = relationship()


class FeedItem(Base):
    """One item as the feed gave it.  The text columns are never modified after insert."""

    __tablename__ = "feed_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feed.id", ondelete="CASCADE"), index=True)
    guid: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    published_raw: Mapped[str | None] = mapped_column(String(200))  # as the feed wrote it
    content_hash: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="unreviewed", index=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    feed: Mapped[Feed] = relationship()


class FeedItemSource(Base):
    """Every feed an item was seen in (the first one included)."""

    __tablename__ = "feed_item_source"
    __table_args__ = (UniqueConstraint("item_id", "feed_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("feed_item.id", ondelete="CASCADE"), index=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feed.id", ondelete="CASCADE"), index=True)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FeedItemKey(Base):
    """A hash that identifies an item: its GUID, its normalised link, or its content."""

    __tablename__ = "feed_item_key"
    __table_args__ = (UniqueConstraint("plan_id", "kind", "value_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # guid | link | content
    value_hash: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[int] = mapped_column(ForeignKey("feed_item.id", ondelete="CASCADE"), index=True)


class FeedMatch(Base):
    """An item matched to a standard of a framework version, with its score and reason."""

    __tablename__ = "feed_match"
    __table_args__ = (
        UniqueConstraint("item_id", "framework_version_id", "standard_code", "method"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("feed_item.id", ondelete="CASCADE"), index=True)
    framework_version_id: Mapped[int] = mapped_column(
        ForeignKey("framework_version.id", ondelete="CASCADE"), index=True
    )
    standard_code: Mapped[str] = mapped_column(String(64))
    condition_code: Mapped[str] = mapped_column(String(64), index=True)
    method: Mapped[str] = mapped_column(String(8))  # keyword | semantic
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)


class Embedding(Base):
    """A cached sentence embedding, keyed by the SHA-256 of the text and the model's name."""

    __tablename__ = "embedding"
    __table_args__ = (UniqueConstraint("model", "text_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(100))
    text_hash: Mapped[str] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian

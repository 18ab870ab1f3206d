"""Framework versions (the agreed standards, kept as their YAML source) and their standards."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamped, new_uid, utcnow
from .plan import Plan

VERSION_STATUSES = ("draft", "proposed", "agreed", "superseded")


class FrameworkVersion(Timestamped, Base):
    __tablename__ = "framework_version"
    __table_args__ = (UniqueConstraint("plan_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # read only when a framework is not yet in the process's cache (services/frameworks.py)
    source_yaml: Mapped[str] = mapped_column(Text, deferred=True)
    content_hash: Mapped[str] = mapped_column(String(64))

    plan: Mapped[Plan] = relationship()
    standards: Mapped[list[Standard]] = relationship(
        back_populates="framework_version",
        order_by="Standard.position",
        cascade="all, delete-orphan",
    )


class FrameworkApproval(Base):
    """A party signer's approval of a proposed framework version."""

    __tablename__ = "framework_approval"
    __table_args__ = (UniqueConstraint("framework_version_id", "party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_version_id: Mapped[int] = mapped_column(
        ForeignKey("framework_version.id", ondelete="CASCADE"), index=True
    )
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Standard(Base):
    """A standard of one framework version, denormalised for queries and foreign keys."""

    __tablename__ = "standard"
    __table_args__ = (UniqueConstraint("framework_version_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_version_id: Mapped[int] = mapped_column(
        ForeignKey("framework_version.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    condition_code: Mapped[str] = mapped_column(String(64))
    field_code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    scale_code: Mapped[str] = mapped_column(String(64))
    threshold: Mapped[str] = mapped_column(String(100))
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    position: Mapped[int] = mapped_column(default=0)

    framework_version: Mapped[FrameworkVersion] = relationship(back_populates="standards")

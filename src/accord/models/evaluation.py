"""Evaluations and the ratings given in them: each party's, and the joint one."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamped, new_uid, utcnow
from .framework import FrameworkVersion, Standard
from .plan import Party, Plan

EVALUATION_STATUSES = ("planned", "open", "reconciliation", "concluded", "signed")
EVALUATION_KINDS = ("annual", "stage", "adhoc")


class Evaluation(Timestamped, Base):
    __tablename__ = "evaluation"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    framework_version_id: Mapped[int] = mapped_column(ForeignKey("framework_version.id"))
    code: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16), default="annual")
    held_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)

    plan: Mapped[Plan] = relationship()
    framework_version: Mapped[FrameworkVersion] = relationship()


class _Rating:
    level: Mapped[str] = mapped_column(String(100))  # a level label of the scale, or "N/A"
    rationale: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class PartyRating(_Rating, Base):
    """One party's rating of one standard in one evaluation."""

    __tablename__ = "party_rating"
    __table_args__ = (UniqueConstraint("evaluation_id", "party_id", "standard_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id", ondelete="CASCADE"))
    standard_id: Mapped[int] = mapped_column(ForeignKey("standard.id", ondelete="CASCADE"))

    party: Mapped[Party] = relationship()
    standard: Mapped[Standard] = relationship()


class JointRating(_Rating, Base):
    """The agreed rating of one standard in one evaluation."""

    __tablename__ = "joint_rating"
    __table_args__ = (UniqueConstraint("evaluation_id", "standard_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    standard_id: Mapped[int] = mapped_column(ForeignKey("standard.id", ondelete="CASCADE"))

    standard: Mapped[Standard] = relationship()

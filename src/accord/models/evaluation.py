"""Evaluations and the ratings given in them: each party's, and the joint one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

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
    due_on: Mapped[dt.date | None] = mapped_column(Date)  # the parties' rating deadline
    version: Mapped[int] = mapped_column(default=1)

    plan: Mapped[Plan] = relationship()
    framework_version: Mapped[FrameworkVersion] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own idiom


class _Rating:
    level: Mapped[str] = mapped_column(String(100))  # a level label of the scale, or "N/A"
    rationale: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}  # optimistic locking: stale writes fail


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
    # how it was reached: equal party ratings, reconciliation, the framework's rule, or history
    source: Mapped[str] = mapped_column(String(16), default="imported")

    standard: Mapped[Standard] = relationship()


class PartySubmission(Base):
    """A party's submission of its ratings: final unless every party agrees to reopen."""

    __tablename__ = "party_submission"
    __table_args__ = (UniqueConstraint("evaluation_id", "party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    party: Mapped[Party] = relationship()


class ReopenVote(Base):
    """A party's agreement to reopen another party's submission."""

    __tablename__ = "reopen_vote"
    __table_args__ = (UniqueConstraint("evaluation_id", "target_party_id", "party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    target_party_id: Mapped[int] = mapped_column(ForeignKey("party.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReconciliationStep(Base):
    """One step in reconciling a divergent standard: a proposal, an approval or a counter."""

    __tablename__ = "reconciliation_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    standard_id: Mapped[int] = mapped_column(ForeignKey("standard.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(16))  # propose | approve
    level: Mapped[str] = mapped_column(String(100))
    rationale: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    party: Mapped[Party] = relationship()
    standard: Mapped[Standard] = relationship()


class Signature(Base):
    """A party signer's Ed25519 signature over the canonical form of a concluded evaluation."""

    __tablename__ = "signature"
    __table_args__ = (UniqueConstraint("evaluation_id", "party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    public_key: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
    document_sha256: Mapped[str] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(Text)  # the exact canonical bytes signed, as text
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    party: Mapped[Party] = relationship()


ACTION_STATUSES = ("open", "in_progress", "done", "dropped")


class ActionItem(Timestamped, Base):
    """Remediation for a standard below its threshold, carried into the next evaluation."""

    __tablename__ = "action_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"))
    standard_code: Mapped[str] = mapped_column(String(64))
    owner_party_id: Mapped[int] = mapped_column(ForeignKey("party.id"))
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    notes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    owner_party: Mapped[Party] = relationship()
    evaluation: Mapped[Evaluation] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

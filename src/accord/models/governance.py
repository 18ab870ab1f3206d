"""The governance chain: meetings of a plan's bodies, the evaluations they were presented,
the decisions they took, and recorded stage verifications.

Every row says where it comes from (`provenance`): `recorded` (entered by the plan's people),
`public_record` (real, with its sources in `sources_json`) or `illustrative` (invented for
the worked example).  Dates may be known only to the month or year (`*_precision`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamped, new_uid
from .evaluation import Evaluation
from .plan import Plan

PROVENANCES = ("recorded", "public_record", "illustrative")
MEETING_STATUSES = ("planned", "held", "cancelled")
DECISION_KINDS = (
    "target_date_set",
    "target_date_moved",
    "stage_verify",
    "stage_certify",
    "framework_revision",
    "roadmap",
    "other",
)
DECISION_STATUSES = ("proposed", "adopted", "withdrawn")
TOUCHES = ("plan_target", "stage", "standard")
STAGE_EVENT_KINDS = ("rehearsed", "assessed", "verified", "certified", "not_verified")


class Meeting(Timestamped, Base):
    """A meeting of one of the plan's bodies ("50th MCM")."""

    __tablename__ = "meeting"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))  # "MCM-50": body and number, stable
    body_code: Mapped[str] = mapped_column(String(64))
    number: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300), default="")
    held_on: Mapped[dt.date] = mapped_column(Date)
    date_precision: Mapped[str] = mapped_column(String(8), default="day")
    place: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="planned")
    outcome: Mapped[str] = mapped_column(Text, default="")
    provenance: Mapped[str] = mapped_column(String(16), default="recorded")
    sources_json: Mapped[str] = mapped_column(Text, default="[]")
    version: Mapped[int] = mapped_column(default=1)

    plan: Mapped[Plan] = relationship()
    presented: Mapped[list[MeetingEvaluation]] = relationship(
        back_populates="meeting",
        order_by="MeetingEvaluation.position",
        cascade="all, delete-orphan",
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own idiom


class MeetingEvaluation(Base):
    """An evaluation presented to a meeting."""

    __tablename__ = "meeting_evaluation"
    __table_args__ = (UniqueConstraint("meeting_id", "evaluation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)

    meeting: Mapped[Meeting] = relationship(back_populates="presented")
    evaluation: Mapped[Evaluation] = relationship()


class Decision(Timestamped, Base):
    """A decision a meeting took (or, in a public record, one taken outside any meeting).

    One that carries `new_date` (or `clears_date`) and touches the plan's target date or a
    stage changes that date from `decided_on` on, once adopted; the earlier value stays in
    the history.  Adopted decisions are never edited: a later decision supersedes them.
    """

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    decided_on: Mapped[dt.date] = mapped_column(Date)
    date_precision: Mapped[str] = mapped_column(String(8), default="day")
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    touches: Mapped[str | None] = mapped_column(String(16))  # plan_target | stage | standard
    touches_code: Mapped[str | None] = mapped_column(String(64))
    new_date: Mapped[dt.date | None] = mapped_column(Date)
    new_date_precision: Mapped[str] = mapped_column(String(8), default="day")
    clears_date: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    provenance: Mapped[str] = mapped_column(String(16), default="recorded")
    sources_json: Mapped[str] = mapped_column(Text, default="[]")
    version: Mapped[int] = mapped_column(default=1)

    meeting: Mapped[Meeting | None] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class StageEvent(Timestamped, Base):
    """A recorded step in verifying a stage: rehearsed, assessed, verified, certified."""

    __tablename__ = "stage_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    stage_code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    held_on: Mapped[dt.date] = mapped_column(Date)
    date_precision: Mapped[str] = mapped_column(String(8), default="day")
    until: Mapped[dt.date | None] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text, default="")
    evaluation_id: Mapped[int | None] = mapped_column(
        ForeignKey("evaluation.id", ondelete="SET NULL")
    )
    provenance: Mapped[str] = mapped_column(String(16), default="recorded")
    sources_json: Mapped[str] = mapped_column(Text, default="[]")

    evaluation: Mapped[Evaluation | None] = relationship()

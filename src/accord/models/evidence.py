"""Evidence behind a rating or an action item: a stored file, a link or a note."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamped, new_uid
from .evaluation import ActionItem, Evaluation
from .framework import Standard
from .plan import Party

EVIDENCE_KINDS = ("file", "link", "note")
RELEASABILITY = ("shared", "party-only")
TARGETS = ("party", "joint", "action")


class Evidence(Timestamped, Base):
    """One piece of evidence, attached to exactly one party rating, joint rating or action item.

    A rating is addressed by (evaluation, party, standard) rather than by its row, because
    evidence may come before the rating exists and must survive a joint rating being discarded
    when a submission is reopened.
    """

    __tablename__ = "evidence"
    __table_args__ = (
        CheckConstraint(
            "(target = 'party' AND standard_id IS NOT NULL AND rating_party_id IS NOT NULL "
            "AND action_item_id IS NULL) OR "
            "(target = 'joint' AND standard_id IS NOT NULL AND rating_party_id IS NULL "
            "AND action_item_id IS NULL) OR "
            "(target = 'action' AND standard_id IS NULL AND rating_party_id IS NULL "
            "AND action_item_id IS NOT NULL)",
            name="one_target",
        ),
        CheckConstraint(
            "(kind = 'file' AND sha256 IS NOT NULL) OR (kind = 'link' AND url IS NOT NULL) "
            "OR kind = 'note'",
            name="kind_fields",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # file | link | note
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(Text)  # links
    note: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)  # files
    size: Mapped[int | None] = mapped_column(Integer)
    media_type: Mapped[str | None] = mapped_column(String(100))  # sniffed, never the client's
    filename: Mapped[str | None] = mapped_column(String(255))  # as uploaded
    effective_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    releasability: Mapped[str] = mapped_column(String(16), default="shared")
    owner_party_id: Mapped[int] = mapped_column(ForeignKey("party.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(8))  # party | joint | action
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("standard.id", ondelete="CASCADE"))
    rating_party_id: Mapped[int | None] = mapped_column(ForeignKey("party.id", ondelete="CASCADE"))
    action_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("action_item.id", ondelete="CASCADE")
    )
    carried_from: Mapped[str | None] = mapped_column(String(36))  # the original's uid
    created_by: Mapped[str] = mapped_column(String(64))  # username, as in the audit trail

    evaluation: Mapped[Evaluation] = relationship()
    owner_party: Mapped[Party] = relationship(foreign_keys=[owner_party_id])
    rating_party: Mapped[Party | None] = relationship(foreign_keys=[rating_party_id])
    standard: Mapped[Standard | None] = relationship()
    action_item: Mapped[ActionItem | None] = relationship()

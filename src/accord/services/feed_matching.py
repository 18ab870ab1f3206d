"""Matching feed items to the standards of a plan's framework (keyword rules; semantic optional).

Interface used by services.feeds after an ingest; the matching itself lands with issue 6 item 6.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from accord.models import FeedItem, Plan


def match_items(session: Session, plan: Plan, items: list[FeedItem]) -> int:
    """Match `items` to the standards of the plan's current framework; the number of matches."""
    del session, plan, items
    return 0

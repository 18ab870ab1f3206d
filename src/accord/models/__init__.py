"""SQLAlchemy tables, one module per aggregate.  Importing this package registers them all."""

from .audit import AuditRecord
from .base import Base
from .evaluation import (
    ActionItem,
    Evaluation,
    JointRating,
    PartyRating,
    PartySubmission,
    ReconciliationStep,
    ReopenVote,
    Signature,
)
from .evidence import Evidence
from .feed import Embedding, Feed, FeedItem, FeedItemKey, FeedItemSource, FeedMatch
from .framework import FrameworkApproval, FrameworkVersion, Standard
from .governance import Decision, Meeting, MeetingEvaluation, StageEvent
from .plan import Party, Plan
from .user import ApiToken, Membership, SignInFailure, SigningKey, User, WebSession

__all__ = [
    "ActionItem",
    "ApiToken",
    "AuditRecord",
    "Base",
    "Decision",
    "Embedding",
    "Evaluation",
    "Evidence",
    "Feed",
    "FeedItem",
    "FeedItemKey",
    "FeedItemSource",
    "FeedMatch",
    "FrameworkApproval",
    "FrameworkVersion",
    "JointRating",
    "Meeting",
    "MeetingEvaluation",
    "Membership",
    "Party",
    "PartyRating",
    "PartySubmission",
    "Plan",
    "ReconciliationStep",
    "ReopenVote",
    "SignInFailure",
    "Signature",
    "SigningKey",
    "StageEvent",
    "Standard",
    "User",
    "WebSession",
]

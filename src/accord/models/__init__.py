"""SQLAlchemy tables, one module per aggregate.  Importing this package registers them all."""

from .base import Base
from .evaluation import Evaluation, JointRating, PartyRating
from .framework import FrameworkVersion, Standard
from .plan import Party, Plan

__all__ = [
    "Base",
    "Evaluation",
    "FrameworkVersion",
    "JointRating",
    "Party",
    "PartyRating",
    "Plan",
    "Standard",
]

"""accord: conditions-based transitions, jointly evaluated."""

__version__ = "0.1.0"

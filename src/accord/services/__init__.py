"""Use cases as plain functions with keyword arguments; the caller owns the transaction."""


class NotFound(LookupError):
    """A plan, evaluation or other object that does not exist (or may not be seen)."""


class Conflict(RuntimeError):
    """The request clashes with the current state (e.g. a plan code already taken)."""


class Invalid(ValueError):
    """Input that cannot be accepted; the message names the field or file position."""

"""Request-validation problems (FastAPI/Pydantic: a malformed JSON body, a query parameter of
the wrong type) in the reader's language.

English is Pydantic's own message, word for word; other languages get the common kinds of
problem from the catalogs, with Pydantic's details (a length, a limit, the allowed values)
filled in.  A kind not listed here keeps Pydantic's English message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from accord import i18n
from accord.i18n import lazy_gettext as N_

# Pydantic's error type -> our message, whose placeholders are keys of the error's `ctx`
MESSAGES: dict[str, Any] = {
    "missing": N_("Field required"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "json_invalid": N_("JSON decode error"),
    "string_type": N_("Input should be a valid string"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be a valid dictionary or instance of the model"),
    "model_attributes_type": N_(
        "Input should be a valid dictionary or object to extract fields from"
    ),
    "list_type": N_("Input should be a valid list"),
    "date_type": N_("Input should be a valid date"),
    "date_parsing": N_("Input should be a valid date in the format YYYY-MM-DD"),
    "date_from_datetime_parsing": N_("Input should be a valid date or datetime"),
    "datetime_parsing": N_("Input should be a valid datetime"),
    "string_too_short": N_("String should have at least %(min_length)s characters"),
    "string_too_long": N_("String should have at most %(max_length)s characters"),
    "too_short": N_("The list should have at least %(min_length)s items"),
    "too_long": N_("The list should have at most %(max_length)s items"),
    "greater_than": N_("Input should be greater than %(gt)s"),
    "greater_than_equal": N_("Input should be greater than or equal to %(ge)s"),
    "less_than": N_("Input should be less than %(lt)s"),
    "less_than_equal": N_("Input should be less than or equal to %(le)s"),
    "literal_error": N_("Input should be %(expected)s"),
    "enum": N_("Input should be %(expected)s"),
    "string_pattern_mismatch": N_("String should match pattern '%(pattern)s'"),
}


def message(error: Mapping[str, Any]) -> str:
    """One validation problem's message in the language in force."""
    if i18n.current() == i18n.DEFAULT or error.get("type") not in MESSAGES:
        return str(error.get("msg", ""))
    context = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    try:
        return str(MESSAGES[error["type"]]) % context
    except (KeyError, TypeError, ValueError):  # a detail this message does not expect
        return str(error.get("msg", ""))


def problems(errors: Sequence[Mapping[str, Any]]) -> str:
    """Every problem as `location: message`, joined with '; '."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {message(e)}" for e in errors)

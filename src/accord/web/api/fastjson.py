"""JSON answers serialised by orjson, for the large documents (trees, rating lists).

Returning a Response skips FastAPI's response_model validation and its jsonable_encoder walk,
which cost more than building the document itself at a thousand standards; the route keeps
its `response_model` so that the OpenAPI document (and schemathesis) still describe it.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response


def fast_json(document: Any, status_code: int = 200) -> Response:
    """`document` (plain dicts, lists, strings, numbers) as an application/json response."""
    return Response(orjson.dumps(document), status_code=status_code, media_type="application/json")

"""The API reference page: the OpenAPI document rendered on the server.

It replaces FastAPI's Swagger UI, which loads its scripts from a CDN and starts them with an
inline script: neither works offline, and the Content-Security-Policy (script-src 'self', no
'unsafe-inline') blocks both.  This page needs no script at all.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..templating import templates_of

router = APIRouter(include_in_schema=False)
METHODS = ("get", "post", "put", "patch", "delete")


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation of the document, grouped by its first tag, in path order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {})
            groups.setdefault((op.get("tags") or ["other"])[0], []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": op.get("parameters", []),
                    "body": sorted(body),
                    "responses": sorted(op.get("responses", {}).items()),
                }
            )
    return [{"tag": tag, "operations": ops} for tag, ops in sorted(groups.items())]


@router.get("/api/docs")
def api_docs(request: Request) -> Response:
    """The API reference, from the same OpenAPI document as /api/v1/openapi.json."""
    spec = request.app.openapi()
    return templates_of(request).TemplateResponse(
        request,
        "api/docs.html",
        {"info": spec.get("info", {}), "groups": operations(spec)},
    )

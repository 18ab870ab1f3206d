"""The web application: `create_app(settings)` builds everything from explicit settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord import __version__, gcpause, i18n
from accord.config import Settings
from accord.db import make_engine, make_sessionmaker
from accord.i18n import gettext as _
from accord.permissions import Forbidden
from accord.services import Conflict, Invalid, NotFound, throttle

from . import validation
from .api import account as api_account
from .api import admin as api_admin
from .api import audit as api_audit
from .api import evaluations as api_evaluations
from .api import evidence as api_evidence
from .api import feeds as api_feeds
from .api import forecasts as api_forecasts
from .api import framework_tree as api_framework_tree
from .api import frameworks as api_frameworks
from .api import governance as api_governance
from .api import inbox as api_inbox
from .api import new_plan as api_new_plan
from .api import plans as api_plans
from .api import reports as api_reports
from .api import sheets as api_sheets
from .api import signatures as api_signatures
from .auth import BadCsrf, NotSignedIn
from .pages import admin as admin_pages
from .pages import api_docs, dashboard, evaluations_list, frameworks, new_plan, profile, rounds
from .pages import audit as audit_pages
from .pages import evidence as evidence_pages
from .pages import governance as governance_pages
from .pages import inbox as inbox_pages
from .pages import language as language_page
from .pages import report as report_page
from .pages import session as session_pages
from .pages import sheets as sheet_pages
from .templating import make_templates, request_locale

HERE = Path(__file__).parent
GZIP_LEVEL = 6  # zlib's default: level 9 takes twice the time for ~9% fewer bytes

SECURITY_HEADERS = {
    # vega-embed runs with its AST interpreter, so no 'unsafe-eval' is needed
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


_SECURITY_RAW = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every HTTP response that does not set its own, and activates
    the request's language before the route runs.

    A plain ASGI middleware: Starlette's `@app.middleware("http")` wraps each request in a
    task group and a streamed response, which cost more than the summary API's whole answer.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # the language before sign-in is known (the route's actor may refine it: web/auth.py)
        i18n.activate(request_locale(Request(scope)))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in _SECURITY_RAW if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings) -> FastAPI:
    """The accord web application and API on the database `settings` names."""
    # kept open rather than opened per request: SQLAlchemy's default pool keeps 5, and every
    # request beyond the fifth at once would open (on PostgreSQL: authenticate) a connection
    # and close it again
    url = settings.resolved_database_url()
    pool = settings.database_pool_size
    in_memory = url.startswith("sqlite") and make_url(url).database in (None, "", ":memory:")
    sizes = {} if in_memory else {"pool_size": pool, "max_overflow": pool}
    engine = make_engine(url, **sizes)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="accord",
        version=__version__,
        description="Conditions-based transitions: joint evaluations against agreed standards.",
        docs_url=None,  # Swagger UI needs a CDN and inline script: pages/api_docs.py instead
        openapi_url="/api/v1/openapi.json",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    templates = make_templates()
    templates.env.globals.update(settings=settings, version=__version__)
    app.state.templates = templates

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api_plans.router)
    app.include_router(api_signatures.router)
    app.include_router(api_frameworks.router)
    app.include_router(api_evaluations.router)
    app.include_router(api_evidence.router)
    app.include_router(api_feeds.router)
    app.include_router(api_inbox.router)
    app.include_router(api_forecasts.router)
    app.include_router(api_reports.router)
    app.include_router(api_sheets.router)
    app.include_router(api_governance.router)
    app.include_router(api_account.router)
    app.include_router(api_admin.router)
    app.include_router(api_audit.router)
    app.include_router(api_framework_tree.router)
    app.include_router(api_new_plan.router)
    app.include_router(new_plan.router)  # before the dashboard: /plans/new is not a plan
    app.include_router(dashboard.router)
    app.include_router(evaluations_list.router)
    app.include_router(frameworks.router)
    app.include_router(audit_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(profile.router)
    app.include_router(rounds.router)
    app.include_router(inbox_pages.router)
    app.include_router(report_page.router)
    app.include_router(session_pages.router)
    app.include_router(sheet_pages.router)
    app.include_router(evidence_pages.router)
    app.include_router(governance_pages.router)
    app.include_router(api_docs.router)
    app.include_router(language_page.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(SecurityHeaders)
    # everything compressible travels gzipped: static files (vega's 840 KB as 280 KB), pages
    # (a 1,000-standard workspace's 1.5 MB as ~150 KB) and JSON. Pages may be, as the CSRF
    # secret they carry is masked afresh for each response (web/csrf.py: BREACH); PDFs are
    # compressed already and ranges (206) are left alone by the middleware
    app.add_middleware(
        GZipMiddleware,
        minimum_size=1024,
        compresslevel=GZIP_LEVEL,
        exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/pdf"),
    )

    def error(request: Request, status: int, detail: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": detail}, status_code=status)
        return templates.TemplateResponse(
            request, "error.html", {"status": status, "detail": detail}, status_code=status
        )

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                {"detail": str(exc)}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target)}", status_code=303)

    @app.exception_handler(BadCsrf)
    async def bad_csrf(request: Request, exc: BadCsrf) -> Response:
        return error(request, 403, str(exc))

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return error(request, 403, str(exc))

    @app.exception_handler(OperationalError)
    async def database_busy(request: Request, exc: OperationalError) -> Response:
        # a lock not granted in time (SQLite busy timeout, PostgreSQL deadlock or lock timeout)
        # or the database unreachable: the transaction was rolled back, a retry may succeed
        i18n.activate(request_locale(request))
        response = error(
            request,
            503,
            _(
                "the database is busy or unreachable: nothing of your request was saved; "
                "try again in a moment"
            ),
        )
        response.headers["Retry-After"] = "2"
        return response

    @app.exception_handler(IntegrityError)
    @app.exception_handler(StaleDataError)
    async def concurrent_write(request: Request, exc: Exception) -> Response:
        # two writers raced for the same record; the loser's transaction was rolled back
        i18n.activate(request_locale(request))
        return error(
            request,
            409,
            _(
                "someone else changed this at the same moment: reload and "
                "try again (nothing of your request was saved)"
            ),
        )

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return error(request, 404, str(exc))

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict) -> Response:
        if request.url.path.startswith("/api/") and exc.current is not None:
            return JSONResponse({"detail": str(exc), "current": exc.current}, status_code=409)
        return error(request, 409, str(exc))

    @app.exception_handler(throttle.Locked)
    async def locked(request: Request, exc: throttle.Locked) -> Response:
        response = error(request, 429, str(exc))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(Invalid)
    async def invalid(request: Request, exc: Invalid) -> Response:
        return error(request, 422, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        # answered by Starlette's outermost layer, which the middleware above never sees
        i18n.activate(request_locale(request))
        response = error(request, 500, _("internal error: the server could not answer this"))
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        i18n.activate(request_locale(request))
        return error(request, 422, validation.problems(exc.errors()))

    return app


def app_from_environment() -> FastAPI:
    """`create_app` on the settings in the ACCORD_* environment: the factory that each worker
    process of `accord serve --workers N` calls (the CLI exports its resolved settings first)."""
    app = create_app(Settings())
    gcpause.settle_for_serving()  # a long-lived worker: see accord/gcpause.py
    return app

"""`make screenshots`: PNGs of the main pages in docs/screenshots/, taken by headless Chromium.

The OPCON example is loaded into a throwaway SQLite database in a temporary directory and
staged as the browser tests stage it (tests/page_states.py: 2026 in reconciliation with two
divergences, 2027 open, a feed item in the inbox), served on 127.0.0.1 and photographed at
1440 px wide, a few pages also at 375 px and in dark mode. Nothing outside the temporary
directory and docs/screenshots/ is touched.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots] [--only dashboard,report]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the staging shared with the browser tests

from accord import schema  # noqa: E402
from accord.config import Settings  # noqa: E402
from accord.db import make_engine  # noqa: E402
from page_states import PLAN, serve, sign_in, stage  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
WS = f"{PLAN}/evaluations"


class Shot(NamedTuple):
    name: str
    user: str | None  # None: signed out
    path: str
    width: int = 1440
    scheme: str = "light"
    full: bool = False  # the whole page, not just the first screen


SHOTS = [
    Shot("sign-in", None, "/sign-in"),
    Shot("plans", "admin", "/"),  # the plan list (others with one plan go to its dashboard)
    Shot("dashboard", "observer", PLAN),
    Shot("dashboard-dark", "observer", PLAN, scheme="dark"),
    Shot("dashboard-375", "observer", PLAN, width=375),
    Shot("workspace", "rok-evaluator", f"{WS}/2027"),
    Shot("workspace-375", "rok-evaluator", f"{WS}/2027", width=375),
    Shot("reconciliation", "us-evaluator", f"{WS}/2026/reconciliation"),
    Shot("reconciliation-dark", "us-evaluator", f"{WS}/2026/reconciliation", scheme="dark"),
    Shot("sign-off", "rok-signer", f"{WS}/2025/sign-off"),
    Shot("report", "observer", f"{WS}/2025/report"),
    Shot("action-items", "rok-evaluator", f"{PLAN}/action-items"),
    Shot("inbox", "rok-evaluator", f"{PLAN}/inbox"),
    # pages that exist once their work has landed; skipped (with a note) while they answer 404
    Shot("evaluations", "observer", f"{PLAN}/evaluations"),
    Shot("framework", "observer", f"{PLAN}/framework"),
    Shot("audit", "admin", f"{PLAN}/audit"),
    Shot("admin", "admin", "/admin"),
    Shot("profile", "rok-evaluator", "/profile"),
    Shot("new-plan", "admin", "/plans/new"),
]


def take(browser: Any, base: str, shot: Shot, out: Path, sessions: dict[str, Any]) -> str:
    """One screenshot; returns a line for the log. `sessions` keeps each user's cookies: one
    sign-in per user, as sign-in attempts are throttled."""
    if shot.user and shot.user not in sessions:
        signing = browser.new_context()
        sign_in(signing, base, shot.user)
        sessions[shot.user] = signing.storage_state()
        signing.close()
    context = browser.new_context(
        viewport={"width": shot.width, "height": 900 if shot.width > 600 else 812},
        color_scheme=shot.scheme,
        device_scale_factor=1,
        storage_state=sessions.get(shot.user) if shot.user else None,
    )
    try:
        page = context.new_page()
        response = page.goto(base + shot.path)
        if shot.user and "/sign-in" in page.url:
            return f"skipped {shot.name}: {shot.user} is not signed in"
        status = response.status if response is not None else 0
        if status >= 400:
            return f"skipped {shot.name}: {shot.path} answers {status}"
        page.wait_for_function(
            "[...document.querySelectorAll('.chart')].every(c => c.dataset.rendered)",
            timeout=15000,
        )
        path = out / f"{shot.name}.png"
        page.screenshot(path=str(path), full_page=shot.full)
        return f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    """Stage the example, serve it, photograph the pages."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", default="", help="comma-separated shot names")
    args = parser.parse_args(argv)
    wanted = {n for n in args.only.split(",") if n}
    args.out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="accord-shots-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'accord.db'}"
        engine = make_engine(url)
        schema.upgrade(engine)
        engine.dispose()
        staged = stage(Settings(data_dir=Path(tmp), database_url=url, demo=True))
        try:
            with serve(staged.app) as base, sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
                )
                sessions: dict[str, Any] = {}
                for shot in SHOTS:
                    if not wanted or shot.name in wanted:
                        print(take(browser, base, shot, args.out, sessions), flush=True)
                browser.close()
        finally:
            staged.app.state.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

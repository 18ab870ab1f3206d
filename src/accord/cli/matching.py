"""`accord feeds match`: match a plan's feed items to its standards again."""

from __future__ import annotations

from pathlib import Path

import typer

from accord.i18n import gettext as _
from accord.services import feed_matching, plans

from .common import (
    DATA_DIR,
    TOKEN,
    actor_or_operator,
    err,
    out,
    settings_for,
    workspace_session,
)
from .feeds import feeds_app
from .language import N_


@feeds_app.command(
    "match",
    help=N_(
        "Match every item of the plan to the standards of its current framework version again."
    ),
)
def feeds_match(
    semantic: bool | None = typer.Option(
        None,
        "--semantic/--no-semantic",
        help=N_(
            "Also match by meaning with the offline MiniLM model (default ACCORD_FEEDS_SEMANTIC)."
        ),
    ),
    threshold: float | None = typer.Option(
        None,
        "--threshold",
        help=N_(
            "Cosine similarity for a semantic match (default ACCORD_FEEDS_SEMANTIC_THRESHOLD)."
        ),
    ),
    plan: str | None = typer.Option(None, "--plan", help=N_("Plan code (default: the only plan).")),
    token: str | None = TOKEN,
    data_dir: Path | None = DATA_DIR,
) -> None:
    settings = settings_for(data_dir)
    use_semantic = settings.feeds_semantic if semantic is None else semantic
    cut = settings.feeds_semantic_threshold if threshold is None else threshold
    with workspace_session(settings) as session:
        actor = actor_or_operator(session, token)
        outcome = feed_matching.rematch(
            session=session,
            actor=actor,
            plan_code=plans.default_plan(session=session, code=plan).code,
            semantic=use_semantic,
            threshold=cut,
        )
    if outcome.note:
        note = _("%(note)s; matched by keywords only", note=outcome.note)
        label = _("warning:")
        err.print(f"[yellow]{label}[/] {note}", highlight=False)
    if outcome.framework_version is None:
        out.print(_("the plan has no framework version: nothing to match against"), highlight=False)
        return
    line = _(
        "matched %(items)s items against framework version %(version)s: %(keyword)s keyword "
        "matches",
        items=outcome.items,
        version=outcome.framework_version,
        keyword=outcome.keyword,
    )
    if use_semantic and not outcome.note:
        line += _(
            ", %(semantic)s semantic matches (similarity >= %(cut)s)",
            semantic=outcome.semantic,
            cut=format(cut, "g"),
        )
    out.print(line, highlight=False)

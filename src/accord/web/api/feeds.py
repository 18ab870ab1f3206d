"""JSON routes for a plan's feed subscriptions: list, subscribe, update, remove, poll now."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from accord.feeds import limits_of
from accord.services import feeds as feed_service
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from .schemas import ErrorPublic

router = APIRouter(prefix="/api/v1/plans/{plan}/feeds", tags=["feeds"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorPublic} for code in (400, 401, 403, 404, 409, 422)
}
Obj = dict[str, Any]


class FeedIn(BaseModel):
    location: str = Field(
        description="An http(s) address; a local path only under ACCORD_FEED_LOCAL_ROOT."
    )
    title: str = ""
    interval_minutes: int | None = Field(None, description="Default ACCORD_FEED_INTERVAL_MINUTES.")


class FeedPatch(BaseModel):
    active: bool | None = Field(None, description="false pauses the feed, true resumes it.")
    interval_minutes: int | None = None
    title: str | None = None


@router.get("", responses=ERRORS)
def list_(plan: str, session: Session = SESSION, actor: Actor = Depends(get_actor)) -> Obj:
    """The plan's feeds, with their state and how many items each brought."""
    feeds = feed_service.list_feeds(session=session, actor=actor, plan_code=plan)
    return {"count": len(feeds), "feeds": feeds}


@router.post("", status_code=201, responses=ERRORS)
def subscribe(
    plan: str,
    body: FeedIn,
    request: Request,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Subscribe the plan to a feed; it is polled by the next poll (nothing is fetched now)."""
    settings = request.app.state.settings
    return feed_service.subscribe(
        session=session,
        actor=actor,
        plan_code=plan,
        location=body.location,
        title=body.title,
        interval_minutes=body.interval_minutes or settings.feed_interval_minutes,
        local_root=settings.feed_local_root,
    )


@router.patch("/{feed}", responses=ERRORS)
def update(
    plan: str,
    feed: str,
    body: FeedPatch,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Pause or resume a feed, or change its interval or title."""
    return feed_service.update_feed(
        session=session,
        actor=actor,
        plan_code=plan,
        uid=feed,
        active=body.active,
        interval_minutes=body.interval_minutes,
        title=body.title,
    )


@router.delete("/{feed}", responses=ERRORS)
def remove(
    plan: str, feed: str, session: Session = SESSION, actor: Actor = Depends(get_actor)
) -> Obj:
    """Unsubscribe; items only this feed brought are removed with it."""
    return feed_service.remove_feed(session=session, actor=actor, plan_code=plan, uid=feed)


@router.post("/{feed}/poll", responses=ERRORS)
def poll(
    plan: str,
    feed: str,
    request: Request,
    session: Session = SESSION,
    actor: Actor = Depends(get_actor),
) -> Obj:
    """Poll this feed now (paused or not) and report what it brought."""
    report = feed_service.poll_feed(
        session=session,
        actor=actor,
        plan_code=plan,
        uid=feed,
        limits=limits_of(request.app.state.settings),
    )
    return report.as_dict()

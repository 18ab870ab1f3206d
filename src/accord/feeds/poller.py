"""The background poller of `accord serve --poll-feeds`: a daemon thread that, every few
seconds, polls the due feeds in its own database session.

Several pollers may run on one database (`--poll-feeds` on every server): each round first
claims the due feeds in a committed conditional UPDATE (`services.feeds.claim_due`), so no
feed is polled twice.

It never blocks a request: uvicorn serves in the main thread, the poller holds no lock while
it waits or fetches (fetching happens before anything is written), and an error is logged and
retried at the next round, never raised.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from accord.config import Settings
from accord.db import make_engine, make_sessionmaker, transaction

from . import limits_of

log = logging.getLogger(__name__)


class Poller:
    """`start()` a thread that polls due feeds every `every` seconds until `stop()`."""

    def __init__(self, settings: Settings, every: float | None = None) -> None:
        self.settings = settings
        self.every = float(every if every is not None else settings.feed_check_seconds)
        self.rounds = 0  # completed rounds, for tests and diagnostics
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """One round: poll every due feed; the number of feeds polled."""
        from accord.services import feeds as feed_service
        from accord.services.actors import SYSTEM

        engine = make_engine(self.settings.resolved_database_url())
        try:
            factory = make_sessionmaker(engine)
            now = dt.datetime.now(dt.UTC)
            # claim first, committed, so that another poller (a second server, or a unit
            # started twice) skips these feeds while this one fetches them
            with transaction(factory) as session:
                claimed = feed_service.claim_due(session=session, actor=SYSTEM, now=now)
            if not claimed:
                return 0
            with transaction(factory) as session:
                reports = feed_service.poll_due(
                    session=session,
                    actor=SYSTEM,
                    limits=limits_of(self.settings),
                    now=now,
                    claimed=claimed,
                )
        finally:
            engine.dispose()
        for r in reports:
            if r.status == "error":
                log.warning("feed %s (%s): %s", r.title, r.feed, r.error)
        return len(reports)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # the database may be busy or away: try again next round
                log.exception("feed polling failed; retrying in %g s", self.every)
            self.rounds += 1
            self._stop.wait(self.every)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="accord-feed-poller", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to stop and wait for it (a poll in progress finishes first)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

"""`revisions.remembered`: answers kept per key, one computation for requests that miss
together, and a failed computation leaves the way free for the next."""

from __future__ import annotations

import threading
import time

import pytest

from accord.services import revisions


def test_requests_that_miss_together_compute_once() -> None:
    calls: list[int] = []
    started = threading.Barrier(8)
    answers: list[str] = []

    def compute() -> str:
        calls.append(1)
        time.sleep(0.2)  # long enough for every other thread to arrive and wait
        return "document"

    def request() -> None:
        started.wait()
        answers.append(revisions.remembered(("test-single-flight", 1), compute))

    threads = [threading.Thread(target=request) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == ["document"] * 8
    assert len(calls) == 1
    revisions.forget()


def test_a_failed_computation_is_not_remembered_and_the_next_one_runs() -> None:
    key = ("test-failure", 1)

    def broken() -> str:
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        revisions.remembered(key, broken)
    assert revisions.remembered(key, lambda: "fine") == "fine"
    assert revisions.remembered(key, broken) == "fine"  # remembered now
    revisions.forget()

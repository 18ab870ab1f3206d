"""Pausing the cyclic garbage collector while a large document is built.

Parsing a big framework or library allocates some hundred thousand objects that all survive
until the end, so the collector would walk them again and again for nothing (it doubled the
time of a CISO Assistant library import).  Reference counting still frees memory meanwhile;
only cycles wait.  Counted, so that concurrent users in threads do not re-enable it under
each other.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_paused = 0
_lock = threading.Lock()


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (nor in other threads meanwhile)."""
    global _paused
    with _lock:
        _paused += 1
        if _paused == 1:
            gc.disable()
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0:
                gc.enable()


SERVING_THRESHOLDS = (5000, 20, 20)
"""The collector's thresholds in a server worker (Python's defaults: 700, 10, 10)."""


def settle_for_serving() -> None:
    """Once, when a server worker has imported and built its application: collect, move every
    object alive now (modules, the application, its routes and metadata) out of the
    collector's sight for good (`gc.freeze`), and collect the young generations less often.

    Measured on a worker under load (bench/load.py): a full collection walked the whole heap
    in 120-160 ms every few seconds, the main source of slow answers (p99); with the heap of
    the start frozen it took about 40 ms, and with the thresholds raised it no longer ran
    while the benchmark did.  Garbage is still freed by reference counting at once; only
    cycles wait a little longer.  Not for tests or the CLI: a frozen object is never
    collected, so this belongs at the start of a long-lived process only.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_THRESHOLDS)

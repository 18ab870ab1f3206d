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

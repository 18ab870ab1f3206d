"""`accord serve`'s supervisor: uvicorn's, with a listening socket of its own for each worker.

uvicorn shares one listening socket among its workers.  Every idle worker is woken by a new
connection and the first to call accept() takes every connection waiting (asyncio accepts in
a loop), so a burst of keep-alive connections often lands on one worker while the other idles:
under the load benchmark half the machine sat unused in some runs (470 against 1,700 requests/s
on the same code).  With SO_REUSEPORT each worker listens on a socket of its own bound to the
same port, and the kernel spreads new connections over them.  A socket stays open in this
process while its worker is replaced, so connections that arrive meanwhile wait for the new
worker instead of being refused.  Where SO_REUSEPORT is missing, one shared socket, as before.
"""

from __future__ import annotations

import socket
from typing import Any

from uvicorn.config import Config
from uvicorn.supervisors.multiprocess import Multiprocess


def listening_sockets(config: Config, count: int) -> list[socket.socket]:
    """`count` sockets bound to the configured address and port (one shared socket when the
    platform cannot balance between several)."""
    if count <= 1 or not hasattr(socket, "SO_REUSEPORT") or config.uds or config.fd is not None:
        return [config.bind_socket()]
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    port, out = config.port, []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            out.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((config.host, port))
            port = sock.getsockname()[1]  # port 0: the others join the one it was given
            sock.set_inheritable(True)
    except OSError:
        for sock in out:
            sock.close()
        raise
    return out


class Supervisor(Multiprocess):
    """uvicorn's Multiprocess, each worker slot serving its own socket of `slots`; the
    liveness checks, restarts and signals are uvicorn's, applied one slot at a time."""

    def __init__(self, config: Config, slots: list[socket.socket]) -> None:
        super().__init__(config, sockets=slots[:1])
        self.slots = slots

    def _per_slot(self, step: Any) -> None:
        everyone = self.processes
        if len(self.slots) == 1 or len(everyone) != len(self.slots):
            step()  # one shared socket, or workers added by a signal: uvicorn's way
            return
        try:
            for index, sock in enumerate(self.slots):
                self.processes, self.sockets = [everyone[index]], [sock]
                step()
                everyone[index] = self.processes[0]
        finally:
            self.processes, self.sockets = everyone, self.slots[:1]

    def init_processes(self) -> None:
        if len(self.slots) == 1:
            super().init_processes()
            return
        for sock in self.slots:
            self.sockets = [sock]
            self.processes_num = 1
            super().init_processes()
        self.processes_num, self.sockets = len(self.slots), self.slots[:1]

    def keep_subprocess_alive(self) -> None:
        self._per_slot(super().keep_subprocess_alive)

    def restart_all(self) -> None:
        self._per_slot(super().restart_all)

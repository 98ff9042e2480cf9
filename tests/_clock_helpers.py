"""Running coroutines on virtual-time loops made directly by the factory, on every Python."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import aiotest

_T = TypeVar("_T")

# Real seconds within which an instant virtual wait must finish; generous for a busy CI box.
INSTANT = 2.0


def run_virtual(
    main: Callable[[], Coroutine[Any, Any, _T]],
    factory: Callable[[], asyncio.AbstractEventLoop] | None = None,
) -> _T:
    """Run ``main()`` to completion on a fresh loop on virtual time, then close the loop."""
    loop = (factory or aiotest.virtual_loop_factory())()
    try:
        return loop.run_until_complete(main())
    finally:
        close_loop(loop)


def close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what is left, shut the executor down, close ``loop``."""
    try:
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()


class SlowThreadServer:
    """A blocking TCP server in a thread that answers each line after ``delay`` real seconds.

    Started before the loop, so only its socket (not its thread) tells the clock that a
    reply is on its way.
    """

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, name="slow-server", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with conn:
                data = b""
                while not data.endswith(b"\n"):
                    chunk = conn.recv(1024)
                    if not chunk:
                        break
                    data += chunk
                time.sleep(self.delay)
                conn.sendall(data.upper())

    def close(self) -> None:
        # shutdown() wakes the blocking accept() in the thread; close() alone does not.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join(5)

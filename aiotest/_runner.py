"""The runner that drives a test's setup, body, teardown and cleanups on its loop (3.11+).

It does what :class:`asyncio.Runner` does for :class:`unittest.IsolatedAsyncioTestCase`,
with two costs fewer. asyncio's runner installs and removes a Ctrl-C handler around each
``run()`` call, and a test makes four or more; this one installs it on its first call and
removes it on close, with the same effect: Ctrl-C cancels the task that is running, a
second Ctrl-C (or one between calls) raises :exc:`KeyboardInterrupt`. And its ``close()``
shuts down async generators and the default executor in one trip around the loop, and not
at all on asyncio's own loops when there is nothing to shut down.
"""

from __future__ import annotations

import asyncio
import contextvars
import signal
import sys
import threading
from collections.abc import Callable, Coroutine
from types import FrameType
from typing import Any, TypeVar

from ._loops import cancel_all_tasks

__all__ = ["TestRunner"]

_T = TypeVar("_T")


async def _shut_down(loop: asyncio.AbstractEventLoop, asyncgens: bool, executor: bool) -> None:
    if asyncgens:
        await loop.shutdown_asyncgens()
    if executor:
        if sys.version_info >= (3, 12):
            await loop.shutdown_default_executor(asyncio.constants.THREAD_JOIN_TIMEOUT)
        else:
            await loop.shutdown_default_executor()


class TestRunner:
    """Runs the many short calls of one test (or of one class-scoped class) on one loop.

    The loop is made by ``loop_factory`` on first use; ``debug`` sets its debug mode.
    """

    __test__ = False

    def __init__(
        self,
        *,
        debug: bool | None = None,
        loop_factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop,
    ) -> None:
        self._debug = debug
        self._loop_factory = loop_factory
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._context = contextvars.copy_context()
        self._task: asyncio.Task[Any] | None = None
        self._interrupts = 0
        self._sigint_installed = False

    def get_loop(self) -> asyncio.AbstractEventLoop:
        """Return the runner's loop, made on first use."""
        if self._closed:
            raise RuntimeError("the test runner is closed")
        if self._loop is None:
            loop = self._loop_factory()
            if self._debug is not None:
                loop.set_debug(self._debug)
            self._loop = loop
        return self._loop

    def run(
        self, coro: Coroutine[Any, Any, _T], *, context: contextvars.Context | None = None
    ) -> _T:
        """Run ``coro`` in a task of the runner's loop, in ``context``; return its result."""
        if not asyncio.iscoroutine(coro):
            raise ValueError(f"a coroutine was expected, got {coro!r}")
        if asyncio._get_running_loop() is not None:
            raise RuntimeError("TestRunner.run() cannot be called from a running event loop")
        loop = self.get_loop()
        task = loop.create_task(coro, context=self._context if context is None else context)
        self._install_sigint()
        self._task = task
        self._interrupts = 0
        try:
            return loop.run_until_complete(task)
        except asyncio.CancelledError:
            if self._interrupts and task.uncancel() == 0:
                raise KeyboardInterrupt() from None
            raise
        finally:
            self._task = None

    def _install_sigint(self) -> None:
        if (
            self._sigint_installed
            or threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
        ):
            return
        try:
            signal.signal(signal.SIGINT, self._on_sigint)
        except ValueError:  # an embedded interpreter without signals (gh-91880)
            return
        self._sigint_installed = True

    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        task = self._task
        self._interrupts += 1
        if task is None or task.done() or self._interrupts > 1:
            raise KeyboardInterrupt()
        task.cancel()
        # Wakes the loop if it is blocked in select() with a long timeout.
        assert self._loop is not None
        self._loop.call_soon_threadsafe(lambda: None)

    def close(self) -> None:
        """Cancel what is left, shut down what was used, close the loop, restore Ctrl-C."""
        try:
            loop, self._loop = self._loop, None
            if self._closed or loop is None:
                return
            try:
                cancel_all_tasks(loop)
                # asyncio's own loops say whether there is anything to shut down; other
                # loops (uvloop) are asked every time.
                asyncgens = bool(getattr(loop, "_asyncgens", True))
                executor = getattr(loop, "_default_executor", True) is not None
                if asyncgens or executor:
                    loop.run_until_complete(_shut_down(loop, asyncgens, executor))
            finally:
                loop.close()
        finally:
            self._closed = True
            self._restore_sigint()

    def _restore_sigint(self) -> None:
        if not self._sigint_installed:
            return
        self._sigint_installed = False
        if signal.getsignal(signal.SIGINT) == self._on_sigint:
            signal.signal(signal.SIGINT, signal.default_int_handler)

"""The runner that drives a test's setup, body, teardown and cleanups on its loop (3.11+).

:class:`asyncio.Runner` installs and removes a Ctrl-C handler around each ``run()`` call;
a test makes four or more such calls, and with the handler juggling that is a measurable
part of a fast test. This runner installs the handler once, when it first runs, and removes
it on close, with the same effect: Ctrl-C cancels the task that is running, and a second
Ctrl-C (or one between calls) raises KeyboardInterrupt. Its ``close()`` skips the steps
that have nothing to do (no async generators, no default executor).
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
from collections.abc import Coroutine
from contextvars import Context
from types import FrameType
from typing import Any, TypeVar

__all__ = ["TestRunner"]

_T = TypeVar("_T")

if sys.version_info >= (3, 11):
    from asyncio.runners import _cancel_all_tasks  # type: ignore[attr-defined]

    class TestRunner(asyncio.Runner):
        """An :class:`asyncio.Runner` for the many short calls of one test (or one class)."""

        __test__ = False

        _aiotest_task: asyncio.Task[Any] | None = None
        _aiotest_sigint_installed = False

        def run(self, coro: Coroutine[Any, Any, _T], *, context: Context | None = None) -> _T:
            """Run ``coro`` in a task of the runner's loop, in ``context``, and return its result."""
            if not asyncio.iscoroutine(coro):
                raise ValueError(f"a coroutine was expected, got {coro!r}")
            if asyncio._get_running_loop() is not None:
                raise RuntimeError("Runner.run() cannot be called from a running event loop")
            loop = self.get_loop()
            if context is None:
                context = self._context  # type: ignore[attr-defined]
            task = loop.create_task(coro, context=context)
            self._aiotest_install_sigint()
            self._aiotest_task = task
            self._interrupt_count = 0  # type: ignore[attr-defined]
            try:
                return loop.run_until_complete(task)
            except asyncio.CancelledError:
                if self._interrupt_count > 0 and task.uncancel() == 0:  # type: ignore[attr-defined]
                    raise KeyboardInterrupt() from None
                raise
            finally:
                self._aiotest_task = None

        def _aiotest_install_sigint(self) -> None:
            if (
                self._aiotest_sigint_installed
                or threading.current_thread() is not threading.main_thread()
                or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
            ):
                return
            try:
                signal.signal(signal.SIGINT, self._aiotest_on_sigint)
            except ValueError:  # an embedded interpreter without signals (gh-91880)
                return
            self._aiotest_sigint_installed = True

        def _aiotest_on_sigint(self, signum: int, frame: FrameType | None) -> None:
            task = self._aiotest_task
            if task is None:  # between two calls: behave as Python's default handler
                raise KeyboardInterrupt()
            self._on_sigint(signum, frame, task)  # type: ignore[attr-defined]

        def close(self) -> None:
            """Cancel what is left, shut down what was used, close the loop, restore Ctrl-C."""
            try:
                if self._state is not asyncio.runners._State.INITIALIZED:  # type: ignore[attr-defined]
                    return
                loop = self.get_loop()
                try:
                    _cancel_all_tasks(loop)
                    # asyncio's own loops say whether there is anything to shut down;
                    # other loops (uvloop) are asked every time.
                    if getattr(loop, "_asyncgens", True):
                        loop.run_until_complete(loop.shutdown_asyncgens())
                    if getattr(loop, "_default_executor", True) is not None:
                        if sys.version_info >= (3, 12):
                            timeout = asyncio.constants.THREAD_JOIN_TIMEOUT
                            loop.run_until_complete(loop.shutdown_default_executor(timeout))
                        else:
                            loop.run_until_complete(loop.shutdown_default_executor())
                finally:
                    if self._set_event_loop:  # type: ignore[attr-defined]
                        asyncio.set_event_loop(None)
                    loop.close()
                    self._loop = None  # type: ignore[attr-defined]
                    self._state = asyncio.runners._State.CLOSED  # type: ignore[attr-defined]
            finally:
                self._aiotest_restore_sigint()

        def _aiotest_restore_sigint(self) -> None:
            if not self._aiotest_sigint_installed:
                return
            self._aiotest_sigint_installed = False
            if signal.getsignal(signal.SIGINT) == self._aiotest_on_sigint:
                signal.signal(signal.SIGINT, signal.default_int_handler)

"""The runner: drives a test's steps on its loop, and never waits without a bound.

It follows :class:`asyncio.Runner` (a step is a task in a given context; Ctrl-C cancels the
running step and then raises :exc:`KeyboardInterrupt`), with what a test framework needs on
top: any step can be *interrupted* (cancelled, and if it still has not finished after a
grace period, abandoned by stopping the loop), and :meth:`close` gives leftover tasks the
same grace before it abandons them. So a task that swallows every cancellation cannot hang
the run. The runner holds no unittest or pytest knowledge.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import signal
import threading
import time
from collections.abc import Coroutine, Iterable
from types import FrameType
from typing import Any, TypeVar

from . import _watchdog
from ._compat import (
    create_task_in_context,
    loop_needs_shutdown,
    set_sigint_handler,
    sigint_handler,
    uncancel,
)

__all__ = ["CANCEL_GRACE", "LoopRunner", "StepAbandoned"]

__unittest = True

_T = TypeVar("_T")

#: Seconds of real time a cancelled task gets to finish before it is abandoned.
CANCEL_GRACE = 1.0


class StepAbandoned(Exception):
    """A step that was interrupted did not finish within the grace period; it was left."""

    def __init__(self, task: asyncio.Task[Any]) -> None:
        super().__init__(task)
        self.task = task


class LoopRunner:
    """Runs the steps of one test, or of every test of a class-scoped class, on one loop."""

    __test__ = False

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.closed = False
        self._task: asyncio.Task[Any] | None = None
        # The step whose loop a grace alarm stopped.
        self._stopped: asyncio.Task[Any] | None = None
        self._interrupted_by_user = 0
        self._sigint_installed = False
        #: Tasks that ignored cancellation past the grace period, oldest first.
        self.abandoned: list[asyncio.Task[Any]] = []
        self._abandoned_ids: set[int] = set()
        # True from a drain until the next step: nothing ran since, so nothing is pending.
        self._drained = False

    @property
    def current_task(self) -> asyncio.Task[Any] | None:
        """The task of the step running now, if any."""
        return self._task

    def run(
        self,
        coro: Coroutine[Any, Any, _T],
        context: contextvars.Context,
        *,
        limit: float | None = None,
    ) -> _T:
        """Run ``coro`` as a task in ``context`` until it ends; return its result.

        With ``limit``, a step still running after that many seconds is abandoned.
        Raises :exc:`StepAbandoned` for an abandoned step, and :exc:`KeyboardInterrupt`
        after Ctrl-C.
        """
        if self.closed:
            raise RuntimeError("the test's loop runner is closed")
        task = create_task_in_context(self.loop, coro, context)
        self._drained = False
        self._install_sigint()
        self._interrupted_by_user = 0
        self._task = task
        alarm = None if limit is None else _watchdog.arm(limit, self._stopper(task))
        try:
            try:
                self.loop.run_until_complete(task)
            except RuntimeError:
                if task.done() or self._stopped is not task:
                    # The code under test stopped the loop itself: its error stands.
                    raise
                # The loop was stopped by a grace alarm: the task would not finish.
                self._abandon(task)
                if self._interrupted_by_user:
                    raise KeyboardInterrupt() from None
                raise StepAbandoned(task) from None
            except asyncio.CancelledError:
                if self._interrupted_by_user:
                    uncancel(task)
                    raise KeyboardInterrupt() from None
                raise
            if self._interrupted_by_user:
                raise KeyboardInterrupt()
            return task.result()
        finally:
            if alarm is not None:
                alarm.cancel()
            self._task = None
            self._stopped = None

    def interrupt(self, grace: float = CANCEL_GRACE) -> None:
        """Cancel the running step; abandon it if it is still running ``grace`` s later.

        Call on the loop's thread (from a callback, or a signal handler).
        """
        task = self._task
        if task is None or task.done():
            return
        task.cancel()
        _watchdog.arm(grace, self._stopper(task))
        # Wakes the loop if it is blocked in select() with a long timeout.
        self.loop.call_soon_threadsafe(_nothing)

    def _stopper(self, task: asyncio.Task[Any]) -> Any:
        loop = self.loop

        def stop_if_still_running() -> None:
            if self._task is task and not task.done():
                self._stopped = task
                loop.stop()

        def from_watchdog() -> None:
            if not loop.is_closed():
                with contextlib.suppress(RuntimeError):  # closed meanwhile
                    loop.call_soon_threadsafe(stop_if_still_running)

        return from_watchdog

    def _abandon(self, task: asyncio.Task[Any]) -> None:
        """Give up on ``task``: end its coroutine and keep it out of later reports."""
        if id(task) in self._abandoned_ids:
            return
        self._abandoned_ids.add(id(task))
        self.abandoned.append(task)
        task.add_done_callback(_retrieve)
        coro = task.get_coro()
        close = getattr(coro, "close", None)
        if close is not None:
            with contextlib.suppress(RuntimeError):  # it swallowed GeneratorExit too
                close()

    def is_abandoned(self, task: object) -> bool:
        """True for a task this runner gave up on."""
        return id(task) in self._abandoned_ids

    def drain(
        self,
        grace: float = CANCEL_GRACE,
        pending: Iterable[asyncio.Task[Any]] | None = None,
    ) -> list[asyncio.Task[Any]]:
        """Cancel ``pending`` (by default every pending task), wait up to ``grace`` s for them.

        Returns the tasks that would not stop; they are abandoned.
        """
        listed = asyncio.all_tasks(self.loop) if pending is None else pending
        pending = [task for task in listed if not task.done() and not self.is_abandoned(task)]
        if not pending:
            self._drained = True
            return []
        for task in pending:
            task.cancel()
        deadline = time.monotonic() + grace
        while True:
            remaining = [task for task in pending if not task.done()]
            left = deadline - time.monotonic()
            if not remaining or left <= 0:
                break
            try:
                self.run(_wait_for_all(remaining), contextvars.copy_context(), limit=left)
            except StepAbandoned:
                break
            except RuntimeError:
                # A loop.stop() that the code under test left queued landed here.
                continue
        stayed = [task for task in pending if not task.done()]
        for task in stayed:
            self._abandon(task)
        self._drained = True
        for task in pending:
            if task.done() and not task.cancelled() and task.exception() is not None:
                self.loop.call_exception_handler(
                    {
                        "message": "unhandled exception during test shutdown",
                        "exception": task.exception(),
                        "task": task,
                    }
                )
        return stayed

    def close(self, grace: float = CANCEL_GRACE) -> list[asyncio.Task[Any]]:
        """Cancel what is left, shut down, close the loop, restore Ctrl-C.

        Returns the tasks that ignored cancellation and were abandoned; a second call does
        nothing and returns [].
        """
        if self.closed:
            return []
        loop = self.loop
        stayed: list[asyncio.Task[Any]] = []
        try:
            if not loop.is_closed():
                try:
                    stayed = [] if self._drained else self.drain(grace)
                    asyncgens, executor = loop_needs_shutdown(loop)
                    if asyncgens or executor:
                        with contextlib.suppress(StepAbandoned):
                            self.run(
                                _shut_down(loop, asyncgens, executor),
                                contextvars.copy_context(),
                                limit=grace * 2,
                            )
                finally:
                    self._silence_abandoned()
                    loop.close()
        finally:
            self.closed = True
            self._restore_sigint()
        return stayed

    def _silence_abandoned(self) -> None:
        # An abandoned task is reported once, by the test that left it; when it is
        # collected later, asyncio's "Task was destroyed but it is pending" would blame
        # whatever runs then.
        if not self.abandoned:
            return
        previous = self.loop.get_exception_handler()
        is_abandoned = self.is_abandoned

        def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            if is_abandoned(context.get("task")) or is_abandoned(context.get("future")):
                return
            if previous is not None:
                previous(loop, context)
            else:
                loop.default_exception_handler(context)

        self.loop.set_exception_handler(handler)

    # Ctrl-C: the first one cancels the running step (and abandons it after the grace
    # period); the run then stops with KeyboardInterrupt. A second one raises at once.

    def _install_sigint(self) -> None:
        if (
            self._sigint_installed
            or threading.current_thread() is not threading.main_thread()
            or sigint_handler() is not signal.default_int_handler
        ):
            return
        try:
            set_sigint_handler(self._on_sigint)
        except ValueError:  # an embedded interpreter without signals
            return
        self._sigint_installed = True

    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        self._interrupted_by_user += 1
        task = self._task
        if self._interrupted_by_user > 1 or task is None or task.done():
            raise KeyboardInterrupt()
        self.interrupt()

    def _restore_sigint(self) -> None:
        if not self._sigint_installed:
            return
        self._sigint_installed = False
        if sigint_handler() == self._on_sigint:
            set_sigint_handler(signal.default_int_handler)


def _nothing() -> None:
    pass


def _retrieve(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()


async def _wait_for_all(tasks: list[asyncio.Task[Any]]) -> None:
    await asyncio.wait(tasks)


async def _shut_down(loop: asyncio.AbstractEventLoop, asyncgens: bool, executor: bool) -> None:
    if asyncgens:
        await loop.shutdown_asyncgens()
    if executor:
        await loop.shutdown_default_executor()

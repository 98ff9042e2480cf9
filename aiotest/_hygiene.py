"""Guards a test runs under: its timeout, loop-exception capture and the get_event_loop ban.

One :class:`Hygiene` object per test starts the guards that the test's settings ask for
before ``setUp``, watches the async parts of the test, and after the last cleanup returns
what it found, so that the test that caused a problem is the one that fails.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import sys
import traceback
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import Any, TypeVar

from ._leaks import LeakTracker, format_stack, is_framework_file, is_internal_file
from ._messages import (
    GET_EVENT_LOOP_CALLED,
    GET_EVENT_LOOP_FORBIDDEN,
    LOOP_EXCEPTIONS_CAUGHT,
    NO_PENDING_TASKS,
    PENDING_TASK,
    TASK_WAITING_ON,
    TEST_TASK,
    TIMEOUT_EXPIRED,
    TIMEOUT_EXPIRED_AGAIN,
)
from ._settings import Settings

__all__ = ["GetEventLoopForbidden", "Hygiene", "debugger_attached", "format_pending_tasks"]

_T = TypeVar("_T")

# Modules whose own calls of asyncio.get_event_loop() are not the code under test
# (aiotest's legacy helpers look up the current loop on behalf of old-style tests).
_EXEMPT_MODULES = ("asyncio", "aiohttp", "uvloop", "aiotest")


class GetEventLoopForbidden(BaseException):
    """Raised by ``asyncio.get_event_loop()`` in a test run with ``forbid_get_event_loop``.

    It derives from :class:`BaseException`, like :class:`KeyboardInterrupt`, so that an
    ``except Exception:`` in the code under test cannot swallow it; the call is also
    recorded, and the test fails at teardown even if something caught it.
    """


GetEventLoopForbidden.__module__ = "aiotest"


def debugger_attached() -> bool:
    """True when a debugger is attached to this thread.

    That is: a trace function is set that is not coverage.py's (pdb, PyCharm, debugpy on
    Python 3.11 and older), or, on Python 3.12+, a tool holds ``sys.monitoring``'s
    debugger slot (debugpy, PyCharm).
    """
    if sys.version_info >= (3, 12) and sys.monitoring.get_tool(sys.monitoring.DEBUGGER_ID):
        return True
    tracer = sys.gettrace()
    if tracer is None:
        return False
    module = getattr(tracer, "__module__", None) or type(tracer).__module__
    return not str(module).startswith("coverage")


def _await_chain(awaitable: object) -> tuple[list[tuple[FrameType, int]], object]:
    """Return the suspended frames of a coroutine chain, outermost first, and its end."""
    frames: list[tuple[FrameType, int]] = []
    current: object = awaitable
    while current is not None:
        frame = (
            getattr(current, "cr_frame", None)
            or getattr(current, "gi_frame", None)
            or getattr(current, "ag_frame", None)
        )
        if frame is None:
            break
        frames.append((frame, frame.f_lineno))
        current = (
            getattr(current, "cr_await", None)
            or getattr(current, "gi_yieldfrom", None)
            or getattr(current, "ag_await", None)
        )
    return frames, current


def format_pending_tasks(
    loop: asyncio.AbstractEventLoop, test_task: asyncio.Task[Any] | None = None, phase: str = ""
) -> str:
    """Return every pending task of ``loop`` with the place where it is waiting.

    ``test_task`` runs ``phase`` of the test itself and is listed first, under that name.
    """
    blocks: list[str] = []
    tasks = sorted(asyncio.all_tasks(loop), key=lambda task: task is not test_task)
    for task in tasks:
        if task.done():
            continue
        coro = task.get_coro()
        frames, end = _await_chain(coro)
        shown = [(f, line) for f, line in frames if not is_framework_file(f.f_code.co_filename)]
        summary = traceback.StackSummary.extract(iter(shown or frames))
        if task is test_task:
            block = TEST_TASK.format(task=task.get_name(), phase=phase)
        else:
            block = PENDING_TASK.format(
                task=task.get_name(), coro=getattr(coro, "__qualname__", repr(coro))
            )
        block += "".join(summary.format()).rstrip("\n")
        # The end of the await chain is often an iterator over a future; the task knows
        # the future itself.
        waiting = getattr(task, "_fut_waiter", None) or end
        if waiting is not None:
            block += TASK_WAITING_ON.format(awaitable=_short_repr(waiting))
        blocks.append(block)
    return "\n".join(blocks) if blocks else NO_PENDING_TASKS


def _short_repr(obj: object, limit: int = 200) -> str:
    text = repr(obj)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_loop_exception(context: dict[str, Any]) -> str:
    """Return one context given to a loop's exception handler, with its traceback."""
    lines = [str(context.get("message") or "Unhandled exception in event loop")]
    for key in sorted(context):
        if key in ("message", "exception", "source_traceback"):
            continue
        lines.append(f"  {key}: {_short_repr(context[key])}")
    source = context.get("source_traceback")
    if source:
        entries = [(entry.filename, entry.lineno or 0, entry.name) for entry in source]
        lines.append(format_stack(entries))
    exc = context.get("exception")
    if isinstance(exc, BaseException):
        lines.append("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    return "\n".join(line.rstrip("\n") for line in lines)


def _user_stack(frame: FrameType) -> str:
    """Format the stack up to ``frame``, starting where the code under test begins."""
    entries = traceback.extract_stack(frame)
    framework = [i for i, entry in enumerate(entries) if is_framework_file(entry.filename)]
    if framework:
        entries = traceback.StackSummary.from_list(entries[framework[-1] + 1 :])
    while len(entries) > 1 and is_internal_file(entries[0].filename):
        entries = traceback.StackSummary.from_list(entries[1:])
    return "".join(entries.format()).rstrip("\n")


class _GetEventLoopGuard:
    """Replaces ``asyncio.get_event_loop`` while a test runs; records each forbidden call."""

    def __init__(self) -> None:
        #: (where it was called, the exception raised there), one per forbidden call.
        self.calls: list[tuple[str, GetEventLoopForbidden]] = []
        self._original: Callable[[], asyncio.AbstractEventLoop] | None = None
        self._original_events: Callable[[], asyncio.AbstractEventLoop] | None = None

    def install(self) -> None:
        original = self._original = asyncio.get_event_loop
        self._original_events = asyncio.events.get_event_loop
        calls = self.calls

        @functools.wraps(original)
        def get_event_loop() -> asyncio.AbstractEventLoop:
            caller = sys._getframe(1)
            module = str(caller.f_globals.get("__name__", ""))
            if module.split(".", 1)[0] in _EXEMPT_MODULES:
                return original()
            error = GetEventLoopForbidden(GET_EVENT_LOOP_FORBIDDEN)
            calls.append((_user_stack(caller), error))
            raise error

        asyncio.get_event_loop = get_event_loop
        asyncio.events.get_event_loop = get_event_loop

    def restore(self) -> None:
        if self._original is not None:
            asyncio.get_event_loop = self._original
            self._original = None
        if self._original_events is not None:
            asyncio.events.get_event_loop = self._original_events
            self._original_events = None


class Hygiene:
    """The guards of one test, started before ``setUp`` and checked after the last cleanup."""

    def __init__(
        self,
        settings: Settings,
        loop: asyncio.AbstractEventLoop,
        failure: type[BaseException] = AssertionError,
    ) -> None:
        self.settings = settings
        self.loop = loop
        self.failure = failure
        self.loop_exceptions: list[dict[str, Any]] = []
        self._deadline: float | None = None
        self._expired = False
        self._guard: _GetEventLoopGuard | None = None
        self._leaks: LeakTracker | None = None
        self._handler_installed = False
        self._reported: set[int] = set()

    def reported(self, exc: BaseException) -> None:
        """Note that ``exc`` reached the test's report."""
        self._reported.add(id(exc))

    @property
    def active(self) -> bool:
        """True when any check is on; with every setting off a test runs untouched."""
        s = self.settings
        return bool(
            s.timeout
            or s.catch_loop_exceptions
            or s.forbid_get_event_loop
            or s.check_leaks
            or s.raise_server_exceptions
        )

    def start(self) -> None:
        """Start the guards the settings ask for."""
        s = self.settings
        if s.timeout and not debugger_attached():
            self._deadline = self.loop.time() + s.timeout
        if s.catch_loop_exceptions:
            self.loop.set_exception_handler(self._record_loop_exception)
            self._handler_installed = True
        if s.forbid_get_event_loop:
            self._guard = _GetEventLoopGuard()
            self._guard.install()
        if s.check_leaks:
            self._leaks = LeakTracker(self.loop)
            self._leaks.start()

    def _record_loop_exception(
        self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]
    ) -> None:
        self.loop_exceptions.append(context)

    async def within_budget(self, awaitable: Awaitable[_T], phase: str) -> _T:
        """Await ``awaitable`` in the current task, cancelling it when the budget runs out.

        Raises the test's failure exception with the stacks of the pending tasks on expiry. Once
        the budget has run out, each later phase (teardown, cleanups) gets a fresh
        ``timeout`` of its own, so that the fixture is still closed.
        """
        timeout = self.settings.timeout
        if self._deadline is None or not timeout:
            return await awaitable
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        deadline = self._deadline
        if self._expired:
            deadline = loop.time() + timeout
        report: list[str] = []
        handle: asyncio.TimerHandle | None = None

        def expire() -> None:
            nonlocal handle
            if debugger_attached():
                handle = loop.call_at(loop.time() + timeout, expire)
                return
            report.append(format_pending_tasks(loop, task, phase))
            task.cancel()

        handle = loop.call_at(deadline, expire)
        try:
            result = await awaitable
        except asyncio.CancelledError:
            if not report:
                raise
            if sys.version_info >= (3, 11):
                task.uncancel()
            raise self._expiry(phase, report[0]) from None
        finally:
            assert handle is not None
            handle.cancel()
        if report:  # the code under test swallowed the cancellation
            if sys.version_info >= (3, 11):
                task.uncancel()
            raise self._expiry(phase, report[0])
        return result

    def _expiry(self, phase: str, tasks: str) -> BaseException:
        template = TIMEOUT_EXPIRED_AGAIN if self._expired else TIMEOUT_EXPIRED
        self._expired = True
        return self.failure(
            template.format(seconds=self.settings.timeout, phase=phase, tasks=tasks)
        )

    async def finish(self) -> list[str]:
        """Stop the guards and return what they found, one report per guard."""
        problems: list[str] = []
        try:
            if self.settings.catch_loop_exceptions or self.settings.check_leaks:
                # Flushes "Task exception was never retrieved", never-awaited coroutines and
                # dropped transports now, into the test that caused them.
                gc.collect()
            # A call whose error reached the test's report already failed it; only the
            # calls whose error the code under test caught are reported here.
            calls = self._guard.calls if self._guard is not None else []
            swallowed = [stack for stack, error in calls if id(error) not in self._reported]
            if swallowed:
                problems.append(
                    GET_EVENT_LOOP_CALLED.format(count=len(swallowed)) + "\n\n".join(swallowed)
                )
            if self._leaks is not None:
                leaks = await self._leaks.collect(asyncio.current_task())
                if leaks:
                    problems.append(leaks)
            if self.loop_exceptions:
                problems.append(
                    LOOP_EXCEPTIONS_CAUGHT.format(count=len(self.loop_exceptions))
                    + "\n\n".join(format_loop_exception(c) for c in self.loop_exceptions)
                )
        finally:
            self.restore()
        return problems

    def restore(self) -> None:
        """Undo every change the guards made; safe to call more than once."""
        if self._guard is not None:
            self._guard.restore()
        if self._leaks is not None:
            self._leaks.stop()
        if self._handler_installed:
            self._handler_installed = False
            if not self.loop.is_closed():
                self.loop.set_exception_handler(None)

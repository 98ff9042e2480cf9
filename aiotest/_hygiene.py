"""Guards a test runs under: its timeout, loop-exception capture and the get_event_loop ban.

One :class:`Guards` object per test starts the guards that the test's settings ask for
before ``setUp`` and after the last cleanup returns what they found, so that the test that
caused a problem is the one that fails. The timeout is the engine's own (aiotest/_session.py).
"""

from __future__ import annotations

import asyncio
import functools
import sys
import traceback
from collections.abc import Callable
from types import FrameType
from typing import Any

from ._leaks import LeakTracker, format_stack, is_framework_file, is_internal_file
from ._messages import (
    GET_EVENT_LOOP_CALLED,
    GET_EVENT_LOOP_FORBIDDEN,
    GET_EVENT_LOOP_IN_HANDLER,
    LOOP_EXCEPTIONS_CAUGHT,
    NO_PENDING_TASKS,
    PENDING_TASK,
    TASK_WAITING_ON,
    TEST_TASK,
)
from ._server_errors import request_being_handled
from ._settings import Settings
from ._undo import UndoStack

__all__ = [
    "GetEventLoopForbidden",
    "Guards",
    "checks_collect_garbage",
    "debugger_attached",
    "format_pending_tasks",
    "user_stack",
]

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


def user_stack(frame: FrameType) -> str:
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
        #: The forbidden calls made in a request handler: (request line, where called, error).
        self.in_handlers: list[tuple[str, str, GetEventLoopForbidden]] = []
        self._original: Callable[[], asyncio.AbstractEventLoop] | None = None
        self._original_events: Callable[[], asyncio.AbstractEventLoop] | None = None

    def install(self) -> None:
        original = self._original = asyncio.get_event_loop
        self._original_events = asyncio.events.get_event_loop
        calls = self.calls
        in_handlers = self.in_handlers

        @functools.wraps(original)
        def get_event_loop() -> asyncio.AbstractEventLoop:
            caller = sys._getframe(1)
            module = str(caller.f_globals.get("__name__", ""))
            if module.split(".", 1)[0] in _EXEMPT_MODULES:
                return original()
            error = GetEventLoopForbidden(GET_EVENT_LOOP_FORBIDDEN)
            request = request_being_handled(caller)
            if request is not None:
                in_handlers.append((request, user_stack(caller), error))
            calls.append((user_stack(caller), error))
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


def _reached_aiohttp(error: BaseException) -> bool:
    """True when ``error`` propagated out of the application into aiohttp's own frames."""
    tb = error.__traceback__
    while tb is not None:
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith("aiohttp."):
            return True
        tb = tb.tb_next
    return False


def checks_collect_garbage(settings: Settings) -> bool:
    """True when the test's checks need garbage collected before and after it."""
    return settings.catch_loop_exceptions or settings.check_leaks


class Guards:
    """The checks one test runs under, but its timeout: started before setUp, read at its end.

    Every change a guard makes to the process or the loop is undone through the undo stack
    given to :meth:`start`, so it is undone however the test ends.
    """

    def __init__(self, settings: Settings, loop: asyncio.AbstractEventLoop) -> None:
        self.settings = settings
        self.loop = loop
        self.loop_exceptions: list[dict[str, Any]] = []
        self._guard: _GetEventLoopGuard | None = None
        self._leaks: LeakTracker | None = None
        self._reported: set[int] = set()

    def reported(self, exc: BaseException) -> None:
        """Note that ``exc`` reached the test's report."""
        self._reported.add(id(exc))

    @property
    def collects_garbage(self) -> bool:
        """True when the checks need garbage collected around the test."""
        return checks_collect_garbage(self.settings)

    def start(self, undo: UndoStack) -> None:
        """Start the guards the settings ask for; register their undoing on ``undo``."""
        s = self.settings
        if s.catch_loop_exceptions:
            previous = self.loop.get_exception_handler()
            self.loop.set_exception_handler(self._record_loop_exception)
            undo.callback(self._restore_exception_handler, previous)
        if s.forbid_get_event_loop:
            guard = self._guard = _GetEventLoopGuard()
            guard.install()
            undo.callback(guard.restore)
        if s.check_leaks:
            leaks = self._leaks = LeakTracker(self.loop)
            leaks.start()
            undo.callback(leaks.stop)

    def _restore_exception_handler(self, previous: Any) -> None:
        # Also on a closed loop: the handler is a method of this object, which holds the
        # loop; uvloop's loop does not show its handler to the garbage collector, so that
        # cycle would never be freed.
        self.loop.set_exception_handler(previous)

    def _record_loop_exception(
        self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]
    ) -> None:
        self.loop_exceptions.append(context)

    def forbidden_calls_in_handlers(self) -> list[tuple[str, str]]:
        """Forbidden calls whose error escaped a request handler: (request line, where).

        aiohttp then dropped the connection, and the client saw ServerDisconnectedError.
        """
        found = self._guard.in_handlers if self._guard is not None else []
        return [(request, stack) for request, stack, error in found if _reached_aiohttp(error)]

    def forbidden_calls_swallowed(self) -> list[str]:
        """Where get_event_loop() was called and the error it raised never reached a report."""
        calls = self._guard.calls if self._guard is not None else []
        return [
            stack
            for stack, error in calls
            if id(error) not in self._reported and not _reached_aiohttp(error)
        ]

    @property
    def leak_check_on(self) -> bool:
        """True when leaks are checked."""
        return self._leaks is not None

    @property
    def needs_loop_for_findings(self) -> bool:
        """True when reading the findings must run on the loop (leaked sessions are closed)."""
        return self._leaks is not None and self._leaks.has_open_sessions()

    def note_unfinished(self, tasks: list[asyncio.Task[Any]]) -> None:
        """Record the tasks the test left running, before the engine cancels them."""
        if self._leaks is not None:
            self._leaks.note_unfinished(tasks)

    async def findings(self) -> list[str]:
        """Return what the guards found, one report per guard; close what leaked."""
        leaks = await self._leaks.collect() if self._leaks is not None else None
        return self._reports(leaks)

    def findings_now(self) -> list[str]:
        """The findings, when reading them needs no loop (see needs_loop_for_findings)."""
        return self._reports(self._leaks.collect_now() if self._leaks is not None else None)

    def _reports(self, leaks: str | None) -> list[str]:
        problems: list[str] = []
        for request, stack in self.forbidden_calls_in_handlers():
            problems.append(GET_EVENT_LOOP_IN_HANDLER.format(request=request) + stack)
        swallowed = self.forbidden_calls_swallowed()
        if swallowed:
            problems.append(
                GET_EVENT_LOOP_CALLED.format(count=len(swallowed)) + "\n\n".join(swallowed)
            )
        if leaks:
            problems.append(leaks)
        if self.loop_exceptions:
            problems.append(
                LOOP_EXCEPTIONS_CAUGHT.format(count=len(self.loop_exceptions))
                + "\n\n".join(format_loop_exception(c) for c in self.loop_exceptions)
            )
        return problems

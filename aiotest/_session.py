"""The engine: one test run as a unit, whatever front end (unittest, pytest) drives it.

A :class:`TestSession` is opened before a test's first part runs and finished after its
last one. Between the two, the front end hands it the test's parts one at a time: sync
parts (``setUp``) run in the test's context with the loop idle; async parts run as tasks on
the test's loop, within the timeout. Opening makes (or borrows) the loop, sets it as the
current loop and starts the guards; finishing drains leftover tasks, reads the guards'
findings and closes the loop. Everything global that the session changed is registered on
one undo stack, so :meth:`exit` undoes all of it on every way out: pass, fail, ``debug()``,
Ctrl-C, a hook that raises.

The timeout is kept in real time by the watchdog thread: it fires even while the loop is
blocked, and shows where the test's thread was at that moment. An expired step is
cancelled; a step that does not stop within :data:`~aiotest._runner.CANCEL_GRACE` is
abandoned, and the test fails all the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import aiohttp

from . import _garbage, _watchdog
from ._compat import frame_of_thread, is_server_connection_task
from ._fakes import active_fakes, close_all_fakes
from ._hygiene import (
    Guards,
    checks_collect_garbage,
    debugger_attached,
    format_pending_tasks,
    user_stack,
)
from ._leaks import is_internal_file
from ._messages import (
    FAKES_LEFT_INSTALLED,
    GET_EVENT_LOOP_DROPPED_CONNECTION,
    LOOP_STUCK,
    SERVER_EXCEPTIONS_NOTE,
    SESSION_CLOSED,
    TASKS_ABANDONED,
    TIMEOUT_ABANDONED,
    TIMEOUT_EXPIRED,
    TIMEOUT_EXPIRED_AGAIN,
    TIMEOUT_LOOP_BLOCKED,
)
from ._runner import CANCEL_GRACE, LoopRunner, StepAbandoned
from ._server_errors import HandlerError, format_handler_errors, start_quiet_collection
from ._settings import Settings
from ._undo import UndoStack
from ._virtual_loop import clock_or_none

__all__ = ["TestSession", "make_loop"]

__unittest = True

_T = TypeVar("_T")

# A timeout callback that runs this much later than its deadline found the loop blocked.
_BLOCKED_AFTER = 0.05


def make_loop(settings: Settings) -> asyncio.AbstractEventLoop:
    """Make the event loop ``settings`` ask for, configured and not yet running."""
    factory = settings.loop_factory or asyncio.new_event_loop
    loop = factory()
    loop.set_debug(settings.loop_debug)
    if settings.slow_callback_duration is not None:
        loop.slow_callback_duration = settings.slow_callback_duration
    if settings.executor_factory is not None:
        loop.set_default_executor(settings.executor_factory())
    return loop


def step_name(func: object) -> str:
    """The name a test part goes by in reports: ``asyncSetUp``, ``test_x``..."""
    return str(getattr(func, "__name__", None) or getattr(func, "__qualname__", None) or func)


class TestSession:
    """One test, from the loop it runs on to the report of what it left behind.

    ``runner``: a loop runner shared by every test of a class (class scope); the session
    then leaves it open. ``trace``: called with the name of each engine step (for tests
    that pin the order of steps).
    """

    __test__ = False

    def __init__(
        self,
        settings: Settings,
        *,
        failure: type[BaseException] = AssertionError,
        runner: LoopRunner | None = None,
        context: contextvars.Context | None = None,
        trace: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.failure = failure
        self.context = contextvars.copy_context() if context is None else context
        self._shared_runner = runner
        self._runner: LoopRunner | None = None
        self._trace = trace
        self._undo = UndoStack()
        self.guards: Guards | None = None
        self._state = "new"
        self._tasks_before: set[asyncio.Task[Any]] = set()
        self._handler_errors: list[HandlerError] = []
        # Timeout state: the budget's alarm, what the watchdog saw, the report to raise.
        self._thread = threading.current_thread()
        self._phase = "setUp"
        self._alarm: _watchdog.Alarm | None = None
        self._expired = False
        self._deadline_at = 0.0
        self._phase_at_deadline = ""
        self._blocked_stack: str | None = None
        self._timeout_report: str | None = None
        self._late_reports: list[str] = []
        self._sync_depth = 0

    # --- opening -----------------------------------------------------------------------

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The test's loop (made when the session opens)."""
        if self._runner is None:
            raise RuntimeError(SESSION_CLOSED.format(what="the test"))
        return self._runner.loop

    @property
    def is_open(self) -> bool:
        """True between :meth:`open` and :meth:`finish`."""
        return self._state == "open"

    def open(self) -> None:
        """Make the loop, set it as current and start the guards; a second call does nothing."""
        if self._state != "new":
            return
        self._state = "open"
        undo = self._undo
        if checks_collect_garbage(self.settings):
            # What earlier tests left for the collector speaks up now, not in this test.
            # First thing: what is alive then is frozen, and this test's loop and guards
            # must not be, or everything of the test that they reach would stay frozen
            # (uncollectable) after it ends.
            _garbage.before_test()
        if self._shared_runner is None:
            runner = LoopRunner(make_loop(self.settings))
            # Closed by finish(); here for every way out that never reaches finish().
            undo.callback(runner.close)
        else:
            runner = self._shared_runner
        self._runner = runner
        self._step("loop ready")
        # Code in a sync setUp that asks asyncio for the loop must find this one.
        asyncio.set_event_loop(runner.loop)
        undo.callback(asyncio.set_event_loop, None)
        guards = self.guards = Guards(self.settings, runner.loop)
        guards.start(undo)
        if self._shared_runner is not None:
            # A loop of its own has no tasks yet; a shared one keeps those of the class.
            self._tasks_before = set(asyncio.all_tasks(runner.loop))
        # Every aiotest server's handler errors while the test runs are the test's, whoever
        # made the server; a passing test that expects a 500 prints no traceback.
        self._handler_errors, stop_collecting = start_quiet_collection()
        undo.callback(stop_collecting)
        clock = clock_or_none(runner.loop)
        if clock is not None:
            # A virtual clock that can never move again fails the test, with the same
            # report as a timeout, instead of hanging it.
            clock.on_stuck = self._stuck
            undo.callback(setattr, clock, "on_stuck", None)
        if self.settings.timeout is not None and not debugger_attached():
            self._alarm = _watchdog.arm(self.settings.timeout, self._deadline_passed)
        undo.callback(self._disarm)
        self._step("guards started")

    def _step(self, name: str) -> None:
        if self._trace is not None:
            self._trace(name)

    def _require_open(self, what: str) -> LoopRunner:
        if self._state != "open" or self._runner is None:
            raise RuntimeError(SESSION_CLOSED.format(what=what))
        return self._runner

    # --- running the test's parts ---------------------------------------------------------

    def run_sync(self, func: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
        """Run a sync part of the test in its context, with the loop idle."""
        self._require_open(step_name(func))
        self._phase = step_name(func)
        self._sync_depth += 1
        try:
            return self.context.run(func, *args, **kwargs)
        except BaseException as exc:
            # Reaches the test's report: every front end reports what a part raised.
            self.note_reported(exc)
            raise
        finally:
            self._sync_depth -= 1

    def run_async(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Run an async part of the test on its loop, within the timeout; return its result."""
        return self.run_awaitable(func(*args, **kwargs), step_name(func))

    def call(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Run a part that may be sync or async, as ``IsolatedAsyncioTestCase`` does."""
        if inspect.iscoroutinefunction(func):
            return self.run_async(func, *args, **kwargs)
        return self.run_sync(func, *args, **kwargs)

    def run_awaitable(self, awaitable: Any, phase: str) -> Any:
        """Await ``awaitable`` as a step called ``phase``; raise what it raised."""
        runner = self._require_open(phase)
        self._phase = phase
        allowance: _watchdog.Alarm | None = None
        if self._expired and self.settings.timeout is not None:
            # After the budget ran out, each later part (teardown, cleanups) gets a further
            # allowance of its own, so that the fixture is still closed.
            allowance = _watchdog.arm(self.settings.timeout, self._deadline_passed)
        try:
            succeeded, value = self._run_in_context(runner, _outcome(awaitable))
        except StepAbandoned:
            expiry = self._take_timeout_report() or ""
            raise self.failure(
                expiry + TIMEOUT_ABANDONED.format(phase=phase, grace=CANCEL_GRACE)
            ) from None
        finally:
            if allowance is not None:
                allowance.cancel()
        report = self._take_timeout_report()
        if report is not None:
            raise self.failure(report)
        if succeeded:
            return value
        self.note_reported(value)
        raise value

    def _run_in_context(self, runner: LoopRunner, coro: Coroutine[Any, Any, _T]) -> _T:
        if self._sync_depth == 0:
            return runner.run(coro, self.context)
        # Inside a sync part (a setUp that builds the fixture on the spot, a cleanup) the
        # test's context is entered already: the step runs in a copy whose values are
        # carried back.
        context = contextvars.copy_context()
        result = runner.run(coro, context)
        for variable, value in context.items():
            variable.set(value)
        return result

    # --- the timeout ---------------------------------------------------------------------

    def _deadline_passed(self) -> None:
        # In the watchdog thread: note where the test's thread is, then let the loop act.
        self._deadline_at = time.monotonic()
        self._phase_at_deadline = self._phase
        frame = frame_of_thread(self._thread)
        blocked = frame is not None and not is_internal_file(frame.f_code.co_filename)
        self._blocked_stack = user_stack(frame) if blocked and frame is not None else None
        runner = self._runner
        if runner is None or runner.loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            runner.loop.call_soon_threadsafe(self._expire)

    def _expire(self) -> None:
        runner = self._runner
        if runner is None or self._state != "open":
            return
        seconds = self.settings.timeout
        assert seconds is not None
        if debugger_attached():
            self._alarm = _watchdog.arm(seconds, self._deadline_passed)
            return
        phase = self._phase_at_deadline or self._phase
        task = runner.current_task
        template = TIMEOUT_EXPIRED_AGAIN if self._expired else TIMEOUT_EXPIRED
        self._expired = True
        report = template.format(
            seconds=seconds, phase=phase, tasks=format_pending_tasks(runner.loop, task, phase)
        )
        late = time.monotonic() - self._deadline_at
        if self._blocked_stack and late > _BLOCKED_AFTER:
            report += TIMEOUT_LOOP_BLOCKED.format(stack=self._blocked_stack)
        if task is None or task.done():
            # Nothing to cancel: the part that overran has ended (it blocked the loop);
            # the test fails when it finishes.
            self._late_reports.append(report)
            return
        self._timeout_report = report
        runner.interrupt()

    def _stuck(self) -> None:
        runner = self._runner
        clock = clock_or_none(runner.loop) if runner is not None else None
        if runner is None or clock is None or self._state != "open":
            return
        task = runner.current_task
        report = LOOP_STUCK.format(
            seconds=clock.stuck_for(),
            phase=self._phase,
            tasks=format_pending_tasks(runner.loop, task, self._phase),
        )
        if task is None or task.done():
            self._late_reports.append(report)
            return
        self._timeout_report = report
        runner.interrupt()

    def _take_timeout_report(self) -> str | None:
        report: str | None = self._timeout_report
        self._timeout_report = None
        if report is None and self._late_reports:
            report = self._late_reports.pop(0)
        return report

    def _disarm(self) -> None:
        if self._alarm is not None:
            self._alarm.cancel()
            self._alarm = None

    # --- finishing -----------------------------------------------------------------------

    def note_reported(self, exc: BaseException) -> None:
        """Note that ``exc`` reached the test's report (so it is not reported twice)."""
        if self.guards is not None:
            self.guards.reported(exc)

    def notes_for(self, exc: BaseException) -> str | None:
        """What the report of ``exc``, a failure or error of this test, should add to it.

        The handler errors recorded meanwhile (unless ``exc`` shows them already), and why
        the server dropped a connection when a handler made a forbidden call.
        """
        self.note_reported(exc)
        notes: list[str] = []
        guards = self.guards
        if (
            guards is not None
            and guards.forbidden_calls_in_handlers()
            and isinstance(exc, aiohttp.ClientConnectionError)
        ):
            notes.append(GET_EVENT_LOOP_DROPPED_CONNECTION)
        errors = self.handler_errors()
        report = format_handler_errors(errors)
        if errors and report not in str(exc):  # raise_server_exceptions has shown them
            notes.append(SERVER_EXCEPTIONS_NOTE.format(count=len(errors)) + report)
        return "\n\n".join(notes) or None

    def handler_errors(self) -> list[HandlerError]:
        """The exceptions request handlers let escape during this test, oldest first."""
        return list(self._handler_errors)

    def finish(self) -> list[str]:
        """End the test and return the problems found, one report each.

        Leftover tasks are cancelled (those that refuse are abandoned and reported), the
        guards' findings are read, and the loop is closed unless it is shared. A second
        call returns [].
        """
        if self._state != "open" or self._runner is None:
            return []
        self._disarm()
        runner = self._runner
        problems = list(self._late_reports)
        self._late_reports.clear()
        guards = self.guards
        assert guards is not None
        loop = runner.loop
        keep = self._tasks_before
        shared = self._shared_runner is not None
        leftover = [
            task
            for task in asyncio.all_tasks(loop)
            if not task.done()
            and task not in keep
            # A shared server's keep-alive connections outlive the test, each in a task.
            and not (shared and is_server_connection_task(task))
        ]
        if guards.leak_check_on:
            guards.note_unfinished(leftover)
        stayed = runner.drain(pending=leftover)
        self._step("tasks drained")
        if guards.collects_garbage:
            # Flushes "Task exception was never retrieved", never-awaited coroutines and
            # dropped transports now, into the test that caused them.
            _garbage.after_test()
        if guards.needs_loop_for_findings:
            problems.extend(self._run_in_context(runner, guards.findings()))
        else:
            problems.extend(guards.findings_now())
        if active_fakes():
            # A fake host or aioresponses left installed would answer the next test's calls.
            leaked = self._run_in_context(runner, close_all_fakes())
            if self.settings.check_leaks and leaked:
                problems.append(
                    FAKES_LEFT_INSTALLED.format(count=len(leaked))
                    + "\n".join(f"- {line}" for line in leaked)
                )
        self._step("findings read")
        self._state = "finished"
        if self._shared_runner is None:
            stayed.extend(runner.close())
            self._step("loop closed")
        if stayed:
            problems.append(
                TASKS_ABANDONED.format(count=len(stayed), grace=CANCEL_GRACE)
                + "\n".join(format_pending_tasks_list(stayed))
            )
        return problems

    def exit(self) -> None:
        """Undo everything the session changed; safe to call more than once."""
        if self._state == "exited":
            return
        self._state = "exited"
        try:
            self._undo.close()
        finally:
            self._runner = None if self._shared_runner is None else self._runner
            self._step("exited")

    def __enter__(self) -> TestSession:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.exit()


def format_pending_tasks_list(tasks: list[asyncio.Task[Any]]) -> list[str]:
    """One line per task: its name and its coroutine."""
    return [
        f"- task {task.get_name()} ({getattr(task.get_coro(), '__qualname__', task.get_coro())})"
        for task in tasks
    ]


async def _outcome(awaitable: Any) -> tuple[bool, Any]:
    """Await ``awaitable`` and return (True, result) or (False, the exception it raised).

    Handing the exception back, instead of letting it out of the task, keeps asyncio's own
    frames out of the failure report: it starts at the user's code.
    """
    try:
        return True, await awaitable
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        return False, exc

"""Leak checks: what a test opened or started and left behind when it ended.

Only runs when ``check_leaks`` is on; then the creation place of every tracked object is
captured as it is made, so that the report can say where each leak came from.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import importlib.util
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Iterable
from types import CodeType, CoroutineType, FrameType
from typing import Any, TypeVar

import aiohttp

from ._compat import client_connection_protocol, replace_unawaited_coroutine_hook
from ._messages import (
    LEAK_NEVER_AWAITED,
    LEAK_RESOURCE_WARNING,
    LEAK_UNCLOSED_RESPONSE,
    LEAK_UNCLOSED_SERVER,
    LEAK_UNCLOSED_SESSION,
    LEAK_UNCLOSED_TRANSPORT,
    LEAK_UNFINISHED_TASK,
    LEAKS_FOUND,
    WHERE_CREATED,
    WHERE_DEFINED,
    WHERE_DROPPED,
    WHERE_UNKNOWN,
)

__all__ = ["LeakTracker", "format_stack", "is_framework_file", "is_internal_file"]

# Frames kept in a creation stack: enough to reach the test from a library call.
CREATION_STACK_DEPTH = 12

_FRAMEWORK_DIRS = (
    os.path.dirname(os.path.abspath(__file__)) + os.sep,
    os.path.dirname(os.path.abspath(warnings.__file__)) + os.sep + "unittest" + os.sep,
)


def _package_dirs(*names: str) -> tuple[str, ...]:
    """The folders of the packages called ``names`` that are installed, without importing."""
    found = []
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            found.append(os.path.dirname(os.path.abspath(spec.origin)) + os.sep)
    return tuple(found)


_INTERNAL_DIRS = (
    *_FRAMEWORK_DIRS,
    os.path.dirname(os.path.abspath(asyncio.__file__)) + os.sep,
    os.path.dirname(os.path.abspath(aiohttp.__file__)) + os.sep,
    # Under pytest, the frames that call a test are pluggy's and pytest's own.
    *_package_dirs("pluggy", "_pytest"),
)

# Loop methods that open transports or servers: wrapped on the test's own loop only.
_CONNECTION_METHODS = (
    "create_connection",
    "create_unix_connection",
    "create_datagram_endpoint",
    "connect_accepted_socket",
)
_SERVER_METHODS = ("create_server", "create_unix_server")

Stack = list[tuple[str, int, str]]
# What a creation stack records: each frame's code and last instruction, oldest first. Line
# numbers are worked out only for a report: Python decodes a frame's line from its code's
# line table, and stacks are taken for every task, session, response and transport.
RawStack = list[tuple[CodeType, int]]

_F = TypeVar("_F", bound=Callable[..., Any])


def is_internal_file(filename: str) -> bool:
    """True for files of aiotest, asyncio, aiohttp and unittest: not the user's code."""
    return filename.startswith(_INTERNAL_DIRS)


def is_framework_file(filename: str) -> bool:
    """True for files of aiotest and unittest, which run the test but are not under test."""
    return filename.startswith(_FRAMEWORK_DIRS)


def _stack_here(frame: FrameType | None) -> RawStack:
    # Runs for every tracked object a test makes: see RawStack.
    stack: RawStack = []
    while frame is not None and len(stack) < CREATION_STACK_DEPTH:
        stack.append((frame.f_code, frame.f_lasti))
        frame = frame.f_back
    stack.reverse()
    return stack


def _line_of(code: CodeType, offset: int) -> int:
    """The line of the instruction at ``offset`` in ``code``, as ``frame.f_lineno`` gives it."""
    for start, end, line in code.co_lines():
        if start <= offset < end:
            return line or 0
    return code.co_firstlineno


def _resolved(stack: RawStack) -> Stack:
    return [(code.co_filename, _line_of(code, offset), code.co_name) for code, offset in stack]


def format_stack(stack: Iterable[tuple[str, int, str]]) -> str:
    """Return the user's frames of ``stack`` (oldest first) as traceback lines."""
    entries = [entry for entry in stack if not is_internal_file(entry[0])] or list(stack)
    if not entries:
        return WHERE_UNKNOWN
    summary = traceback.StackSummary.from_list([(*entry, None) for entry in entries])
    return WHERE_CREATED + "".join(summary.format()).rstrip("\n")


def _origin_stack(coro: object) -> Stack:
    # cr_origin is newest first; traceback lists are oldest first.
    origin = getattr(coro, "cr_origin", None) or ()
    return [(filename, lineno, name) for filename, lineno, name in reversed(origin)]


@dataclasses.dataclass
class _Tracked:
    obj: Any
    raw_stack: RawStack

    @property
    def stack(self) -> Stack:
        return _resolved(self.raw_stack)


class LeakTracker:
    """Tracks what one test creates, and lists what is still open when it ends."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._unfinished: list[asyncio.Task[Any]] = []
        self._sessions: list[_Tracked] = []
        self._responses: list[_Tracked] = []
        self._transports: list[_Tracked] = []
        self._servers: list[_Tracked] = []
        self._never_awaited: list[tuple[str, str]] = []
        self._task_stacks: dict[asyncio.Task[Any], RawStack] = {}
        self._resource_warnings: list[str] = []
        self._undo: list[Callable[[], None]] = []

    def start(self) -> None:
        """Begin tracking; :meth:`stop` undoes every change made here."""
        # Where each task was made is recorded by a task factory, not by coroutine origin
        # tracking, which costs a stack on every coroutine aiohttp makes.
        self._track_task_creation()
        self._track_never_awaited()
        self._track_resource_warnings()
        self._track_init(aiohttp.ClientSession, self._sessions)
        self._track_init(aiohttp.ClientResponse, self._responses)
        self._track_loop_methods()

    def stop(self) -> None:
        """Undo what :meth:`start` changed; a second call does nothing."""
        while self._undo:
            self._undo.pop()()

    def _track_task_creation(self) -> None:
        loop = self._loop
        previous = loop.get_task_factory()
        stacks = self._task_stacks

        def factory(
            loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any
        ) -> asyncio.Future[Any]:
            if previous is not None:
                task = previous(loop, coro, **kwargs)
            else:
                task = asyncio.Task(coro, loop=loop, **kwargs)
            if isinstance(task, asyncio.Task):
                stacks[task] = _stack_here(sys._getframe(1))
            return task

        loop.set_task_factory(factory)

        def undo() -> None:
            stacks.clear()
            # Also on a closed loop: uvloop's loop does not show its task factory to the
            # garbage collector, so whatever the factory holds would never be freed.
            loop.set_task_factory(previous)

        self._undo.append(undo)

    def _track_never_awaited(self) -> None:
        def record(coro: CoroutineType[Any, Any, Any]) -> None:
            # Called as the coroutine is dropped: for the usual mistake, a call without
            # await, that is the line that made it.
            dropped = _resolved(_stack_here(sys._getframe(1)))
            if any(not is_internal_file(filename) for filename, _, _ in dropped):
                where = WHERE_DROPPED + format_stack(dropped).removeprefix(WHERE_CREATED)
            else:
                code = coro.cr_code
                where = WHERE_DEFINED.format(filename=code.co_filename, line=code.co_firstlineno)
            self._never_awaited.append((coro.__qualname__, where))

        self._undo.append(replace_unawaited_coroutine_hook(record))

    def _track_resource_warnings(self) -> None:
        # Dropped sockets and transports say so only through a ResourceWarning, which the
        # default filters hide; catch_warnings puts the filters back afterwards.
        catcher = warnings.catch_warnings()
        catcher.__enter__()
        warnings.simplefilter("always", ResourceWarning)
        show = warnings.showwarning

        def record(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: Any = None,
            line: str | None = None,
        ) -> None:
            if issubclass(category, ResourceWarning):
                self._resource_warnings.append(str(message))
            else:
                show(message, category, filename, lineno, file, line)

        warnings.showwarning = record
        self._undo.append(lambda: catcher.__exit__(None, None, None))

    def _track_init(self, cls: type, store: list[_Tracked]) -> None:
        original: Callable[..., None] = vars(cls)["__init__"]

        def init(obj: Any, *args: Any, **kwargs: Any) -> None:
            original(obj, *args, **kwargs)
            store.append(_Tracked(obj, _stack_here(sys._getframe(1))))

        cls.__init__ = _like(init, original)  # type: ignore[misc]

        def undo() -> None:
            cls.__init__ = original  # type: ignore[misc]

        self._undo.append(undo)

    def _track_loop_methods(self) -> None:
        loop: Any = self._loop
        for name in _CONNECTION_METHODS + _SERVER_METHODS:
            method = getattr(loop, name, None)
            if method is None:
                continue
            store = self._servers if name in _SERVER_METHODS else self._transports
            try:
                setattr(loop, name, self._recording(method, store, name in _SERVER_METHODS))
            except AttributeError:  # pragma: no cover - a loop class without __dict__
                continue
            self._undo.append(functools.partial(_forget_attribute, loop, name))

    @staticmethod
    def _recording(
        method: Callable[..., Any], store: list[_Tracked], is_server: bool
    ) -> Callable[..., Any]:
        async def opened(*args: Any, **kwargs: Any) -> Any:
            stack = _stack_here(sys._getframe(1))
            result = await method(*args, **kwargs)
            store.append(_Tracked(result if is_server else result[0], stack))
            return result

        return _like(opened, method)

    def note_unfinished(self, tasks: list[asyncio.Task[Any]]) -> None:
        """Record the tasks the test left running (the engine cancels them afterwards)."""
        self._unfinished = list(tasks)

    def has_open_sessions(self) -> bool:
        """True when a session the test made is still open (closing it needs the loop)."""
        return any(not tracked.obj.closed for tracked in self._sessions)

    def collect_now(self) -> str | None:
        """:meth:`collect` for when no session is open: nothing to close needs the loop."""
        assert not self.has_open_sessions()
        coro = self.collect()
        try:
            coro.send(None)
        except StopIteration as done:
            result: str | None = done.value
            return result
        raise AssertionError("collect() awaited with no session open")  # pragma: no cover

    async def collect(self) -> str | None:
        """Return the report of everything still open, or None; then close what leaked.

        Call after a garbage collection, so that dropped objects have spoken up.
        """
        found: list[str] = []
        for task in self._unfinished:
            coro = task.get_coro()
            raw = self._task_stacks.get(task)
            stack = _resolved(raw) if raw else _origin_stack(coro)
            found.append(
                LEAK_UNFINISHED_TASK.format(task=task.get_name(), coro=_qualname(coro))
                + format_stack(stack)
            )
        for name, where in self._never_awaited:
            found.append(LEAK_NEVER_AWAITED.format(coro=name) + where)
        sessions = [t for t in self._sessions if not t.obj.closed]
        for tracked in sessions:
            found.append(LEAK_UNCLOSED_SESSION + format_stack(tracked.stack))
        responses = [t for t in self._responses if not t.obj.closed]
        for tracked in responses:
            response = tracked.obj
            found.append(
                LEAK_UNCLOSED_RESPONSE.format(method=response.method, url=response.url)
                + format_stack(tracked.stack)
            )
        # A client session's connections are its own: reported as the session.
        transports = [
            t
            for t in self._transports
            if not t.obj.is_closing()
            and not isinstance(t.obj.get_protocol(), client_connection_protocol())
        ]
        for tracked in transports:
            description = _describe_transport(tracked.obj)
            found.append(
                LEAK_UNCLOSED_TRANSPORT.format(transport=description) + format_stack(tracked.stack)
            )
        servers = [t for t in self._servers if t.obj.is_serving()]
        for tracked in servers:
            found.append(LEAK_UNCLOSED_SERVER + format_stack(tracked.stack))
        for message in self._resource_warnings:
            found.append(LEAK_RESOURCE_WARNING.format(message=message))
        # Closed only once all is listed: closing a session also closes its responses.
        for tracked in responses:
            tracked.obj.close()
        for tracked in sessions:
            await tracked.obj.close()
        for tracked in transports + servers:
            tracked.obj.close()
        if not found:
            return None
        return LEAKS_FOUND.format(count=len(found)) + "\n".join(found)


def _like(wrapper: _F, wrapped: Callable[..., Any]) -> _F:
    """``functools.wraps`` for the few attributes that show: names, doc, ``__wrapped__``.

    Six wrappers are made for every checked test; ``update_wrapper`` copies more than
    anything reads from them, at several times the cost.
    """
    wrapper.__name__ = getattr(wrapped, "__name__", wrapper.__name__)
    wrapper.__qualname__ = getattr(wrapped, "__qualname__", wrapper.__qualname__)
    wrapper.__doc__ = getattr(wrapped, "__doc__", None)
    wrapper.__wrapped__ = wrapped  # type: ignore[attr-defined]
    return wrapper


def _qualname(coro: object) -> str:
    return str(getattr(coro, "__qualname__", None) or repr(coro))


def _describe_transport(transport: asyncio.BaseTransport) -> str:
    peer = transport.get_extra_info("peername")
    name = type(transport).__name__
    return f"{name} to {peer}" if peer else name


def _forget_attribute(obj: object, name: str) -> None:
    vars(obj).pop(name, None)

"""Every use of a private or version-specific API of asyncio, unittest, aiohttp or pytest.

aiotest's other modules call only public APIs and the names defined here. Each touch point
has a test in ``tests/test_compat.py`` that fails when the API it relies on changes, so an
upgrade of Python or a library breaks one named test, not the lifecycle.

Sections, one per area: unittest, asyncio, aiohttp, pytest.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import importlib
import inspect
import signal
import sys
import threading
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from types import FrameType
from typing import Any, TypeVar

import aiohttp
from aiohttp import BaseConnector, ClientRequest, ClientSession, ClientTimeout
from aiohttp import helpers as _aiohttp_helpers
from aiohttp.connector import Connection
from aiohttp.web_protocol import RequestHandler

__all__ = [
    "AIOHTTP_SENTINEL",
    "CAN_DISABLE_CONNECTION_RETRY",
    "REQUEST_SESSION_OPTIONS",
    "SESSION_CALL_METHODS",
    "TESTCASE_HOOKS",
    "UNITTEST_FRAME_MARKER",
    "CallRecorder",
    "ConnectHook",
    "add_note",
    "call_arguments_of",
    "client_connection_protocol",
    "create_task_in_context",
    "disable_connection_retry",
    "event_loop_never_set",
    "fixture_function_of",
    "frame_of_thread",
    "is_server_connection_task",
    "loop_needs_shutdown",
    "mark_event_loop_never_set",
    "pooled_client_connections",
    "replace_unawaited_coroutine_hook",
    "request_in_frames",
    "resolved_fixture_argnames",
    "resolved_fixture_function",
    "resolved_fixture_functions",
    "selector_loop_base",
    "set_fixture_function",
    "set_match_info",
    "set_sigint_handler",
    "sigint_handler",
    "thread_event_loop",
    "uncancel",
    "visible_fixture",
    "visible_fixture_function",
    "wrap_connector_connect",
    "wrap_session_calls",
]

_T = TypeVar("_T")

# --- unittest -------------------------------------------------------------------------------

#: The methods through which ``unittest.TestCase.run()`` calls a test's parts, on every Python
#: from 3.8 on: setUp, the test method, tearDown and each cleanup. They are private, but they
#: are the hook surface ``IsolatedAsyncioTestCase`` itself overrides, and the smallest one
#: there is: aiotest's front end overrides these four and nothing else of unittest's.
TESTCASE_HOOKS = ("_callSetUp", "_callTestMethod", "_callTearDown", "_callCleanup")

#: A module global with this name makes unittest leave the module's frames out of failure
#: reports; aiotest's engine sets it so that a report starts at the user's code.
UNITTEST_FRAME_MARKER = "__unittest"

# --- asyncio --------------------------------------------------------------------------------


def create_task_in_context(
    loop: asyncio.AbstractEventLoop,
    coro: Coroutine[Any, Any, _T],
    context: contextvars.Context,
) -> asyncio.Task[_T]:
    """Start ``coro`` as a task that reads and writes the variables of ``context``.

    Python 3.11+ runs the task in ``context`` itself. Python 3.10 can only run a task in a
    copy, so there the values the task set are copied back into ``context`` when it ends:
    setUp, the test and tearDown then share their context variables on every version.
    """
    if sys.version_info >= (3, 11):
        return loop.create_task(coro, context=context)
    return context.run(loop.create_task, _carried_back(coro, context))  # pragma: no cover


async def _carried_back(
    coro: Coroutine[Any, Any, _T], context: contextvars.Context
) -> _T:  # pragma: no cover - Python 3.10
    try:
        return await coro
    finally:
        values = contextvars.copy_context()
        context.run(_apply_values, values)


def _apply_values(values: contextvars.Context) -> None:  # pragma: no cover - Python 3.10
    for variable, value in values.items():
        variable.set(value)


def uncancel(task: asyncio.Task[Any]) -> None:
    """Undo one ``task.cancel()`` that aiotest made and then handled itself.

    Python 3.11+ counts cancellation requests (``asyncio.timeout`` reads the count); 3.10
    has no count to undo.
    """
    if sys.version_info >= (3, 11):
        task.uncancel()


def loop_needs_shutdown(loop: asyncio.AbstractEventLoop) -> tuple[bool, bool]:
    """Return whether ``loop`` has async generators and a default executor to shut down.

    asyncio's own loops keep both in private attributes; reading them saves a trip around
    the loop per test. Other loops (uvloop) are shut down every time.
    """
    asyncgens = bool(getattr(loop, "_asyncgens", True))
    executor = getattr(loop, "_default_executor", True) is not None
    return asyncgens, executor


def frame_of_thread(thread: threading.Thread) -> FrameType | None:
    """Return the frame ``thread`` is executing now, or None (read from another thread).

    The timeout watchdog uses it to show where a test blocked its loop.
    """
    if thread.ident is None:
        return None
    return sys._current_frames().get(thread.ident)


def replace_unawaited_coroutine_hook(
    hook: Callable[[Any], None],
) -> Callable[[], None]:
    """Make CPython report never-awaited coroutines to ``hook``; return the undo function.

    CPython warns about a coroutine that was never awaited by calling
    ``warnings._warn_unawaited_coroutine`` (looked up at the time), which is how the leak
    check learns where each one was made.
    """
    original = warnings._warn_unawaited_coroutine  # type: ignore[attr-defined]
    warnings._warn_unawaited_coroutine = hook  # type: ignore[attr-defined]

    def undo() -> None:
        warnings._warn_unawaited_coroutine = original  # type: ignore[attr-defined]

    return undo


# legacy: the event loop set current in a thread, read and put back without making one.
# asyncio.get_event_loop() cannot read it: up to 3.13 it makes a loop in the main thread
# when none was ever set (3.12+ with a DeprecationWarning), and asyncio.get_event_loop_policy()
# warns from 3.14 on. The default policies (asyncio's, uvloop's) keep the state in a
# thread-local ``_local``: ``_loop``, and up to 3.13 ``_set_called``.


def _event_loop_policy() -> Any:
    """The current policy, without the DeprecationWarning of 3.14's public getter."""
    private_getter = getattr(asyncio.events, "_get_event_loop_policy", None)
    if private_getter is not None:
        return private_getter()
    return asyncio.get_event_loop_policy()


def _policy_local() -> Any:
    local = getattr(_event_loop_policy(), "_local", None)
    return local if local is not None and hasattr(local, "_loop") else None


def thread_event_loop() -> asyncio.AbstractEventLoop | None:
    """The loop set current in this thread, or None; never makes one, never warns.

    With a policy that keeps its state elsewhere, the policy is asked, as
    asyncio.get_event_loop() would ask it.
    """
    local = _policy_local()
    if local is not None:
        loop: asyncio.AbstractEventLoop | None = local._loop
        return loop
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            found: asyncio.AbstractEventLoop = _event_loop_policy().get_event_loop()
        except RuntimeError:
            return None
    return found


def event_loop_never_set() -> bool:
    """True while asyncio.get_event_loop() would still make a loop in this thread's place.

    That is Python 3.13 and older, before anything called asyncio.set_event_loop(); from
    3.14 on, get_event_loop() never makes a loop, and this is always False.
    """
    local = _policy_local()
    return local is not None and local._loop is None and not getattr(local, "_set_called", True)


def mark_event_loop_never_set() -> None:
    """Undo asyncio.set_event_loop(None): get_event_loop() makes a loop again, up to 3.13.

    Legacy suites call asyncio.get_event_loop() in setUpClass after other tests set and
    unset loops; up to 3.13 it must then make one, as it would have in a fresh interpreter.
    """
    local = _policy_local()
    if local is not None and local._loop is None and hasattr(local, "_set_called"):
        local._set_called = False


# clock: virtual time rests on how CPython's selector loop schedules its timers.


def selector_loop_base() -> type[asyncio.SelectorEventLoop]:
    """Return the loop class that virtual time derives its loops from.

    Virtual time relies on two behaviours of this class that asyncio does not document:
    every timer is measured with ``self.time()``, and the loop blocks only in
    ``selector.select(timeout)``, passing the delay to its next timer (None when no timer
    is pending, 0 when callbacks are ready). tests/test_compat.py checks both.
    """
    return asyncio.SelectorEventLoop


# clock: end

# --- signal ---------------------------------------------------------------------------------

# signal.getsignal() and signal.signal() turn every handler they return into a
# signal.Handlers member, or try to: for a Python function that costs a caught ValueError
# inside enum, some 3 us a call, four calls a test. The C module they wrap returns the
# handler as it is; the engine compares handlers by identity only.
_signal: Any = importlib.import_module("_signal")


def sigint_handler() -> Any:
    """The current SIGINT handler, as ``signal.getsignal`` gives it but not converted."""
    return _signal.getsignal(signal.SIGINT)


def set_sigint_handler(handler: Any) -> None:
    """Install ``handler`` for SIGINT (main thread only; ValueError elsewhere)."""
    _signal.signal(signal.SIGINT, handler)


# --- aiohttp --------------------------------------------------------------------------------


def client_connection_protocol() -> type:
    """The protocol class of an aiohttp client connection.

    The leak check reports a client session's pooled connections as the session, not as
    loose transports; aiohttp exports no public name for the class.
    """
    from aiohttp.client_proto import ResponseHandler

    return ResponseHandler


_REQUEST_HANDLER_START = RequestHandler.start.__code__


def is_server_connection_task(task: asyncio.Task[Any]) -> bool:
    """True for a task in which aiohttp's server runs a connection (one per connection).

    A class-scoped server's keep-alive connection outlives a test; its task must not be
    cancelled with the tasks the test left. aiohttp names no public way to tell them apart:
    they run its ``RequestHandler.start``.
    """
    return getattr(task.get_coro(), "cr_code", None) is _REQUEST_HANDLER_START


def request_in_frames(frame: FrameType | None, depth: int) -> Any:
    """The ``aiohttp.web.BaseRequest`` held by ``frame`` or one of ``depth`` frames above it.

    aiohttp's server passes the request being handled down as a local named ``request``
    (to the handler, and to ``handle_error`` when logging a handler's exception); a report
    finds it there, since aiohttp hands it to neither the logger nor the handler's callees.
    """
    from aiohttp import web

    for _ in range(depth):
        if frame is None:
            return None
        request = frame.f_locals.get("request")
        if isinstance(request, web.BaseRequest):
            return request
        frame = frame.f_back
    return None


def pooled_client_connections(session: Any) -> list[Any]:
    """The protocols of the idle keep-alive connections in ``session``'s connector.

    Class-scoped fixtures close them between tests, so that the server has finished with
    every connection a test opened before the next test's checks start; aiohttp's
    connector keeps its pool private.
    """
    pools: dict[Any, Any] = getattr(session.connector, "_conns", {}) or {}
    return [entry[0] for pool in pools.values() for entry in list(pool)]


# fakes: begin. Fake hosts (aiotest/_fakes.py) reach sessions that the code under test
# creates itself, before or after the fake was installed. aiohttp has no process-wide hook
# for that: client middlewares (3.12+) and trace configs are fixed per session when it is
# made. The two touch points below wrap public methods on their classes, and nothing else.

#: The ClientSession methods whose calls aioresponses records, as the code passed them.
SESSION_CALL_METHODS = ("request", "get", "options", "head", "post", "put", "patch", "delete")

ConnectHook = Callable[
    [BaseConnector, ClientRequest, Any, ClientTimeout, Callable[..., Awaitable[Connection]]],
    Awaitable[Connection],
]
CallRecorder = Callable[[ClientSession | None, str, Any, dict[str, Any]], None]

#: The keyword arguments of ``aiohttp.request()`` that configure the session it makes, not
#: the request: aioresponses never sees them, so they are not part of a recorded call.
REQUEST_SESSION_OPTIONS = ("version", "connector", "loop", "cookies", "timeout")


def wrap_connector_connect(hook: ConnectHook) -> Callable[[], None]:
    """Send every ``BaseConnector.connect(req, traces, timeout)`` through ``hook``; return the undo.

    Why: ``connect`` is the public method (documented for custom connectors) through which
    every request of every session, on every aiohttp version from 3.10, gets its connection,
    and it sees the request first. ``hook`` gets the connector, the request, the traces, the
    timeout and the original method, which it calls to leave a request alone.
    """
    original = BaseConnector.connect

    @functools.wraps(original)
    async def connect(
        self: BaseConnector, req: ClientRequest, traces: Any, timeout: ClientTimeout
    ) -> Connection:
        return await hook(self, req, traces, timeout, original)

    BaseConnector.connect = connect  # type: ignore[method-assign]

    def undo() -> None:
        BaseConnector.connect = original  # type: ignore[method-assign]

    return undo


def wrap_session_calls(recorder: CallRecorder) -> Callable[[], None]:
    """Show ``recorder`` each request call on a ClientSession before it runs; return the undo.

    Why: the aioresponses API records a call's keyword arguments as the code passed them,
    with the method's own defaults (``get``'s ``allow_redirects=True``, ``post``'s
    ``data=None``); only the public methods in :data:`SESSION_CALL_METHODS` see them.
    ``recorder(session, method, url, kwargs)`` gets the upper-case method.

    The module-level ``aiohttp.request()`` makes a session of its own and calls its private
    ``_request``, which no public method sees: the public function itself is wrapped, as
    ``aiohttp.request`` and ``aiohttp.client.request`` (code that imported the name before
    the wrap keeps the original). Its calls reach ``recorder`` with ``session=None``.
    """
    import aiohttp.client

    originals: dict[str, Any] = {}
    for name in SESSION_CALL_METHODS:
        originals[name] = original = getattr(ClientSession, name)
        setattr(ClientSession, name, _recording(name, original, recorder))
    modules: list[Any] = [aiohttp.client, aiohttp]
    original_request = aiohttp.client.request
    recording_request = _recording_request(original_request, recorder)
    for module in modules:
        module.request = recording_request

    def undo() -> None:
        for name, original in originals.items():
            setattr(ClientSession, name, original)
        for module in modules:
            module.request = original_request

    return undo


def _recording_request(original: Any, recorder: CallRecorder) -> Any:
    @functools.wraps(original)
    def request(method: str, url: Any, *args: Any, **kwargs: Any) -> Any:
        if not args:
            call = {k: v for k, v in kwargs.items() if k not in REQUEST_SESSION_OPTIONS}
            call.setdefault("allow_redirects", True)
            recorder(None, str(method).upper(), url, call)
        # A positional argument is aiohttp's error to report.
        return original(method, url, *args, **kwargs)

    return request


def _recording(name: str, original: Any, recorder: CallRecorder) -> Any:
    signature = inspect.signature(original)

    @functools.wraps(original)
    def call(self: ClientSession, *args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError:
            # Let aiohttp report the bad call in its own words.
            return original(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        arguments.pop("self")
        method = str(arguments.pop("method", name)).upper()
        url = arguments.pop("url")
        extra = arguments.pop("kwargs", {})
        recorder(self, method, url, {**arguments, **extra})
        return original(self, *args, **kwargs)

    return call


# fakes: end.


# aiohttp compat: make_mocked_coro.
AIOHTTP_SENTINEL: Any = _aiohttp_helpers.sentinel
"""aiohttp's private "argument not given" marker.

aiohttp's make_mocked_coro() uses it as its default and returns it when called without a
return value, so suites may see it; aiotest's make_mocked_coro() does the same with the
same object.
"""


# aiohttp compat: TestClient.
CAN_DISABLE_CONNECTION_RETRY: bool = "_retry_connection" in aiohttp.ClientSession.ATTRS
"""Whether this aiohttp's ClientSession has the private flag that turns its retry off.

ClientSession lists every attribute it may have in ``ATTRS``; aiohttp 3.10 has no flag and
always retries an idempotent request once.
"""


def disable_connection_retry(session: aiohttp.ClientSession) -> None:
    """Stop ``session`` retrying an idempotent request on a fresh connection, where it can.

    ClientSession retries once when the server closes the connection under a request (the
    private ``_retry_connection`` flag); a test client must see the first failure, as
    aiohttp's own TestClient arranges.
    """
    if CAN_DISABLE_CONNECTION_RETRY:
        session._retry_connection = False


# aiohttp compat: TestClient's TypeError.
def add_note(exc: BaseException, note: str) -> None:
    """Attach ``note`` to ``exc`` where Python shows notes (3.11+); before that, drop it.

    aiotest keeps aiohttp's exact text as the message, which suites may compare with ==,
    and adds its own help as a note, shown by tracebacks under the message.
    """
    if sys.version_info >= (3, 11):
        exc.add_note(note)


# aiohttp compat: make_mocked_request.
def set_match_info(request: Any, match_info: Any) -> None:
    """Give a request built by hand the match info that routing would have given it.

    ``web.Request`` has no public setter: the router sets the private ``_match_info``.
    """
    request._match_info = match_info


# --- pytest ---------------------------------------------------------------------------------
# pytest plugin: aiotest.pytest_plugin reads what pytest resolved for an item, and runs async
# fixtures through the function pytest calls. pytest is not imported here: only pytest
# imports the plugin, and the plugin passes pytest's objects in.


def resolved_fixture_functions(node: Any) -> dict[str, Callable[..., Any]]:
    """The fixture function that applies to ``node`` (a test item) for each fixture name.

    pytest keeps what it resolved in ``node._fixtureinfo.name2fixturedefs``; the last
    definition of a name is the one the test gets (a conftest's override of a plugin's).
    """
    info = getattr(node, "_fixtureinfo", None)
    found: dict[str, Callable[..., Any]] = {}
    for name, fixturedefs in dict(getattr(info, "name2fixturedefs", {}) or {}).items():
        if fixturedefs:
            found[name] = fixturedefs[-1].func
    return found


def resolved_fixture_function(node: Any, name: str) -> Callable[..., Any] | None:
    """The fixture function for ``name`` that applies to ``node`` (a test item), or None.

    One name of :func:`resolved_fixture_functions`, without building the whole mapping.
    """
    info = getattr(node, "_fixtureinfo", None)
    fixturedefs = (getattr(info, "name2fixturedefs", None) or {}).get(name)
    return fixturedefs[-1].func if fixturedefs else None


def visible_fixture_function(collector: Any, name: str) -> Callable[..., Any] | None:
    """The fixture function for ``name`` that tests collected under ``collector`` would get.

    Asked of pytest's fixture manager (``FixtureManager.getfixturedefs``) before the tests
    exist, so that the fixture need not be in every test's closure to be found. pytest 8.1
    takes the collector node, pytest 8.0 its node id.
    """
    found = visible_fixture(collector, name)
    return found[0] if found is not None else None


def visible_fixture(
    collector: Any, name: str
) -> tuple[Callable[..., Any], tuple[str, ...], bool] | None:
    """The visible fixture's function, arguments and whether it has ``params``, or None.

    What :func:`visible_fixture_function` finds, with ``FixtureDef.argnames`` and whether
    ``FixtureDef.params`` is set.
    """
    manager = collector.session._fixturemanager
    try:
        fixturedefs = manager.getfixturedefs(name, collector)
    except (AttributeError, TypeError):  # pragma: no cover - pytest 8.0
        fixturedefs = manager.getfixturedefs(name, collector.nodeid)
    if not fixturedefs:
        return None
    fixturedef = fixturedefs[-1]
    return fixturedef.func, tuple(fixturedef.argnames), fixturedef.params is not None


def resolved_fixture_argnames(node: Any, name: str) -> tuple[str, ...]:
    """The arguments of the fixture ``name`` that applies to ``node``; () if none applies."""
    info = getattr(node, "_fixtureinfo", None)
    fixturedefs = dict(getattr(info, "name2fixturedefs", {}) or {}).get(name)
    return tuple(fixturedefs[-1].argnames) if fixturedefs else ()


def call_arguments_of(item: Any) -> dict[str, Any]:
    """The arguments pytest passes to ``item``'s test function, as its own call does."""
    return {name: item.funcargs[name] for name in item._fixtureinfo.argnames}


def fixture_function_of(fixturedef: Any) -> Callable[..., Any]:
    """The function a fixture definition calls (``FixtureDef.func``)."""
    func: Callable[..., Any] = fixturedef.func
    return func


def set_fixture_function(fixturedef: Any, func: Callable[..., Any]) -> None:
    """Make pytest call ``func`` for ``fixturedef``, until set back.

    pytest's own ``pytest_fixture_setup`` calls ``fixturedef.func`` (bound to the test's
    instance for a fixture defined in a class); the plugin puts a sync wrapper there for
    the duration of one setup, so that the async fixture runs on the test's loop.
    """
    fixturedef.func = func

"""The unittest front end: AsyncTestCase and AioHTTPTestCase drive the engine's sessions.

unittest calls a test's parts through four hooks of ``TestCase`` (see
``aiotest._compat.TESTCASE_HOOKS``); these classes override those four and ``run()`` /
``debug()``, and hand each part to a :class:`~aiotest._session.TestSession`. Nothing of
``IsolatedAsyncioTestCase``'s own runner machinery is used, so the lifecycle is the same on
every Python version.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import unittest
import warnings
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Generic, TypeVar, overload

from aiohttp import web

from ._client import TestClient
from ._clock import Clock
from ._fixture import AppFixture, ClassScope, check_server_scope, class_scope_of
from ._messages import (
    FIXTURE_NOT_BUILT,
    NO_APPLICATION,
    SERVER_EXCEPTIONS_RAISED,
    SERVER_NOT_STARTED,
)
from ._proxy import TCPProxy
from ._report import ReportingResult
from ._server import TestServer
from ._server_errors import format_handler_errors
from ._services import ServiceGroup
from ._session import TestSession, step_name
from ._settings import (
    ExecutorFactory,
    LoopFactory,
    Settings,
    resolve_settings,
    validate_class_settings,
)
from ._virtual_loop import clock_of

__all__ = ["AioHTTPTestCase", "AsyncTestCase"]

__unittest = True

_T = TypeVar("_T")

RETURNED_A_VALUE = (
    "It is deprecated to return a value that is not None from a test case ({method} "
    "returned {type_name!r})"
)


class AsyncTestCase(unittest.IsolatedAsyncioTestCase):
    """An :class:`unittest.IsolatedAsyncioTestCase` that runs fast and can be configured.

    Each test gets a fresh event loop made by :attr:`loop_factory`, with asyncio's debug
    mode off unless :attr:`loop_debug` (or ``PYTHONASYNCIODEBUG``) asks for it. The global
    event loop policy is never touched.
    """

    #: Makes the test's event loop; None means asyncio's own. Env: ``AIOTEST_LOOP=uvloop``.
    # Not a ClassVar: IsolatedAsyncioTestCase (3.13+) declares the same name as an attribute.
    loop_factory: LoopFactory | None = None
    #: asyncio debug mode for the test's loop. Env: ``PYTHONASYNCIODEBUG``.
    loop_debug: ClassVar[bool] = False
    #: With debug mode on, callbacks slower than this many seconds are logged.
    slow_callback_duration: ClassVar[float | None] = None
    #: Seconds that setup, test and teardown together may take; None for no limit.
    #: Env: ``AIOTEST_TIMEOUT``.
    timeout: ClassVar[float | None] = None
    #: Makes the loop's default executor; None means asyncio's default thread pool.
    executor_factory: ClassVar[ExecutorFactory | None] = None
    #: Fail the test on every exception that reaches the loop's exception handler.
    catch_loop_exceptions: ClassVar[bool] = False
    #: Fail the test when the code under test calls ``asyncio.get_event_loop()``.
    forbid_get_event_loop: ClassVar[bool] = False
    #: Fail the test on tasks, sessions, responses and transports it left open.
    check_leaks: ClassVar[bool] = False
    #: Fail the test on any unhandled exception in a request handler.
    raise_server_exceptions: ClassVar[bool] = False
    #: catch_loop_exceptions, check_leaks and raise_server_exceptions together.
    #: Env: ``AIOTEST_STRICT=1``.
    strict: ClassVar[bool] = False

    #: The test's event loop: set before ``setUp`` runs, idle during sync parts.
    loop: asyncio.AbstractEventLoop

    # Called with the name of each engine step; tests of aiotest pin the order with it.
    _aiotest_trace: ClassVar[Callable[[str], None] | None] = None
    _aiotest_settings: Settings | None = None
    _aiotest_session: TestSession | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        validate_class_settings(cls, AsyncTestCase)  # a wrong value fails at import

    @property
    def clock(self) -> Clock:
        """The virtual clock of the test's loop; the test must run with ``virtual_time``."""
        return clock_of(self.loop)

    @property
    def settings(self) -> Settings:
        """The settings this test runs with, resolved once per test."""
        if self._aiotest_settings is None:
            method = getattr(type(self), self._testMethodName, None)
            self._aiotest_settings = resolve_settings(type(self), method, AsyncTestCase)
        return self._aiotest_settings

    # --- running: run() and debug() --------------------------------------------------------

    def run(self, result: unittest.TestResult | None = None) -> unittest.TestResult | None:
        """Run the test; a failure's report also shows what aiotest recorded meanwhile."""
        own_result = result is None
        if result is None:
            result = self.defaultTestResult()
            result.startTestRun()
        try:
            reporting: Any = ReportingResult(result, self._aiotest_failure_notes)
            unittest.TestCase.run(self, reporting)
        finally:
            self._aiotest_exit_session()
            if own_result:
                result.stopTestRun()
        return result

    def debug(self) -> None:
        """Run the test without a result, raising its first error; guards included.

        Cleanups run (the fixture is closed) also when the test fails, and everything
        aiotest changed is restored before the error reaches the caller.
        """
        method = getattr(self, self._testMethodName)
        if getattr(type(self), "__unittest_skip__", False) or getattr(
            method, "__unittest_skip__", False
        ):
            why = getattr(type(self), "__unittest_skip_why__", "") or getattr(
                method, "__unittest_skip_why__", ""
            )
            raise unittest.SkipTest(why)
        try:
            self._callSetUp()
            self._callTestMethod(method)
            self._callTearDown()
            while self._cleanups:  # type: ignore[attr-defined]
                function, args, kwargs = self._cleanups.pop()  # type: ignore[attr-defined]
                self._callCleanup(function, *args, **kwargs)
        except BaseException:
            while self._cleanups:  # type: ignore[attr-defined]
                function, args, kwargs = self._cleanups.pop()  # type: ignore[attr-defined]
                # The first error is the one debug() raises.
                with contextlib.suppress(Exception):
                    self._callCleanup(function, *args, **kwargs)
            raise
        finally:
            self._aiotest_exit_session()

    # --- the four TestCase hooks (aiotest._compat.TESTCASE_HOOKS) ---------------------------

    def _callSetUp(self) -> None:
        session = self._aiotest_open_session()
        # Registered first, so unittest runs it last, after every other cleanup.
        self.addCleanup(self._aiotest_finish)
        self._aiotest_after_open(session)
        if not self._aiotest_default(self.setUp, unittest.TestCase.setUp):
            session.run_sync(self.setUp)
        if not self._aiotest_async_setup_does_nothing():
            session.run_async(self.asyncSetUp)
        services = self.get_services()
        if services:
            group = ServiceGroup(services)
            session.run_async(group.start)  # a failing start stops those started
            self.addAsyncCleanup(group.stop)

    def get_services(self) -> Sequence[Any]:
        """Services (async ``start()``/``stop()``) to run during each test; none by default.

        Started in order after ``asyncSetUp``, stopped in reverse order in a cleanup.
        """
        return ()

    def _callTestMethod(self, method: Callable[..., Any]) -> None:
        result = self._aiotest_require_session().call(method)
        if result is not None:
            warnings.warn(
                RETURNED_A_VALUE.format(method=method, type_name=type(result).__name__),
                DeprecationWarning,
                stacklevel=4,
            )

    def _callTearDown(self) -> None:
        session = self._aiotest_require_session()
        if not self._aiotest_default(self.asyncTearDown, AsyncTestCase.asyncTearDown):
            session.run_async(self.asyncTearDown)
        if not self._aiotest_default(self.tearDown, unittest.TestCase.tearDown):
            session.run_sync(self.tearDown)

    def _callCleanup(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        if getattr(function, "__func__", None) is AsyncTestCase._aiotest_finish:
            # Outside the test's context: the tasks it drains may run in that context.
            function(*args, **kwargs)
            return
        session = self._aiotest_require_session()
        result = session.call(function, *args, **kwargs)
        if asyncio.iscoroutine(result):
            # addAsyncCleanup() of a plain function that returns a coroutine (a lambda, a
            # partial of one): the cleanup the user asked for is awaiting it.
            session.run_awaitable(result, step_name(function))

    # --- the session -------------------------------------------------------------------

    def _aiotest_make_session(self) -> TestSession:
        return TestSession(
            self.settings,
            failure=self.failureException,
            trace=type(self)._aiotest_trace,
        )

    def _aiotest_open_session(self) -> TestSession:
        session = self._aiotest_session = self._aiotest_make_session()
        session.open()
        self.loop = session.loop
        return session

    def _aiotest_after_open(self, session: TestSession) -> None:
        """What a subclass does once the session is open, before setUp."""

    def _aiotest_require_session(self) -> TestSession:
        session = self._aiotest_session
        if session is None:
            # Reached by a hook called outside run()/debug(), as by doCleanups() after a
            # debug() that failed: a session of its own.
            session = self._aiotest_open_session()
        return session

    def _aiotest_exit_session(self) -> None:
        session, self._aiotest_session = self._aiotest_session, None
        if session is not None:
            session.exit()

    def _aiotest_finish(self) -> None:
        session = self._aiotest_require_session()
        problems = session.finish()
        problems.extend(self._aiotest_more_problems(session))
        if problems:
            raise self.failureException("\n\n".join(problems))

    def _aiotest_more_problems(self, session: TestSession) -> list[str]:
        errors = session.handler_errors()
        if not (errors and self.settings.raise_server_exceptions):
            return []
        return [SERVER_EXCEPTIONS_RAISED.format(count=len(errors)) + format_handler_errors(errors)]

    def _aiotest_failure_notes(self, exc: BaseException) -> str | None:
        """Extra text for the report of ``exc``, a failure or error of this test."""
        session = self._aiotest_session
        return session.notes_for(exc) if session is not None else None

    def _aiotest_default(self, bound: Callable[..., Any], default: Callable[..., Any]) -> bool:
        """True when ``bound`` is the do-nothing ``default``: its step is not run at all."""
        return getattr(bound, "__func__", None) is default

    def _aiotest_async_setup_does_nothing(self) -> bool:
        return self._aiotest_default(self.asyncSetUp, AsyncTestCase.asyncSetUp)

    async def asyncSetUp(self) -> None:
        """Async setup of each test; override it (the default does nothing)."""

    async def asyncTearDown(self) -> None:
        """Async teardown of each test; override it (the default does nothing)."""

    # Parallel runners (unittest-parallel) send tests to their workers by pickling them;
    # the context IsolatedAsyncioTestCase keeps cannot be pickled, and a session is per run.
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_asyncioTestContext", None)
        state.pop("_aiotest_session", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._asyncioTestContext = contextvars.copy_context()


class _FixturePart(Generic[_T]):
    """``self.app``, ``self.server`` and ``self.client`` of an AioHTTPTestCase.

    Set by the fixture when it is built; a sync ``setUp`` that reads one before then (the
    pattern of suites written before ``asyncSetUp`` existed) builds the fixture on the spot.
    Assigning one replaces it for the test, as a plain attribute would.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, case: None, owner: type) -> _FixturePart[_T]: ...

    @overload
    def __get__(self, case: AioHTTPTestCase, owner: type) -> _T: ...

    def __get__(self, case: AioHTTPTestCase | None, owner: type) -> _T | _FixturePart[_T]:
        if case is None:
            return self
        found = vars(case).get(self.name)
        if found is not None:
            return found  # type: ignore[no-any-return]
        fixture = case._aiotest_fixture
        if fixture is None or getattr(fixture, self.name) is None:
            case._aiotest_build_on_demand(self.name)
            fixture = case._aiotest_fixture
        value = getattr(fixture, self.name, None)
        if value is None:
            raise AttributeError(FIXTURE_NOT_BUILT.format(name=self.name))
        return value  # type: ignore[no-any-return]

    def __set__(self, case: AioHTTPTestCase, value: _T) -> None:
        vars(case)[self.name] = value


class AioHTTPTestCase(AsyncTestCase):
    """A test case with an aiohttp application, its test server and a client per test.

    ``asyncSetUp`` builds the fixture through :meth:`get_application`,
    :meth:`get_server` and :meth:`get_client`, starts the server, and sets ``self.app``,
    ``self.server``, ``self.client`` and ``self.loop``. Whatever was made is closed after
    the test, and also when setup fails part-way.
    """

    app: _FixturePart[web.Application] = _FixturePart("app")
    server: _FixturePart[TestServer] = _FixturePart("server")
    client: _FixturePart[TestClient[web.Request, web.Application]] = _FixturePart("client")

    #: ``"test"``: a fresh app, server and client for every test. ``"class"``: one of each,
    #: on one loop, for all tests of the class (faster; state on ``self.app`` survives
    #: from one test to the next). See :doc:`speed`.
    server_scope: ClassVar[str] = "test"

    _aiotest_fixture: AppFixture | None = None
    _aiotest_scope: ClassScope | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_server_scope(cls)

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        # Checked again here: the attribute may have been changed after the class was made.
        check_server_scope(cls)

    async def get_application(self) -> web.Application:
        """Return the :class:`aiohttp.web.Application` to test. Override this."""
        app: web.Application = await _maybe_await(self.get_app())
        return app

    def get_app(self) -> web.Application:
        """Older, synchronous spelling of :meth:`get_application`."""
        raise RuntimeError(NO_APPLICATION.format(class_name=type(self).__name__))

    async def get_server(self, app: web.Application) -> TestServer:
        """Return the test server for ``app``."""
        return TestServer(app, loop=self.loop)

    async def get_client(self, server: TestServer) -> TestClient[web.Request, web.Application]:
        """Return the test client for ``server``."""
        client: TestClient[web.Request, web.Application] = TestClient(server, loop=self.loop)
        if self._aiotest_fixture is not None:
            self._aiotest_fixture.made_clients.append(client)
        return client

    async def proxy_server(self, *, buffered: bool = True) -> TCPProxy:
        """Start a :class:`TCPProxy` in front of the server; ``self.client`` then uses it.

        The proxy is closed, and the client talks to the server directly again, when the
        test ends.
        """
        port = self.server.port
        if port is None:
            raise RuntimeError(SERVER_NOT_STARTED)
        proxy = TCPProxy(self.server.host, port, buffered=buffered)
        await proxy.start()
        self.addAsyncCleanup(self._aiotest_close_proxy, proxy)
        self.client.route_through(proxy)
        return proxy

    async def _aiotest_close_proxy(self, proxy: TCPProxy) -> None:
        if self.client._proxy is proxy:
            self.client.route_through(None)
        await proxy.close()

    async def asyncSetUp(self) -> None:
        """Build the fixture (through :meth:`setUpAsync`)."""
        self.loop = asyncio.get_running_loop()
        await self.setUpAsync()

    async def setUpAsync(self) -> None:
        """Build the application, server and client, and start the server."""
        if self._aiotest_fixture is None and self._aiotest_scope is None:
            await self._aiotest_build_fixture()

    async def asyncTearDown(self) -> None:
        """Close the client (through :meth:`tearDownAsync`)."""
        await self.tearDownAsync()

    async def tearDownAsync(self) -> None:
        """Close the client and the server (with ``server_scope = "class"``: the class does)."""
        if self._aiotest_scope is None and self._aiotest_fixture is not None:
            client = vars(self).get("client") or self._aiotest_fixture.client
            if client is not None:
                await client.close()

    async def _aiotest_build_fixture(self) -> None:
        fixture = self._aiotest_fixture = AppFixture()
        # Registered before anything is made: a failing hook or on_startup still closes
        # what was made, and so does a subclass's asyncSetUp failing after super().
        self.addAsyncCleanup(self._aiotest_close_fixture)
        await fixture.build(self)

    async def _aiotest_close_fixture(self) -> None:
        fixture = self._aiotest_fixture
        if fixture is not None:
            await fixture.close()

    def _aiotest_build_on_demand(self, name: str) -> None:
        """Build the fixture now, for a sync ``setUp`` that reads ``self.<name>``."""
        session = self._aiotest_session
        loop_idle = session is not None and session.is_open and not session.loop.is_running()
        if session is None or not loop_idle or self._aiotest_fixture is not None:
            raise AttributeError(FIXTURE_NOT_BUILT.format(name=name))
        session.run_async(self._aiotest_build_fixture)

    # --- the engine wiring -------------------------------------------------------------

    def _aiotest_make_session(self) -> TestSession:
        if check_server_scope(type(self)) != "class":
            return super()._aiotest_make_session()
        scope = self._aiotest_scope = class_scope_of(self, self._aiotest_class_settings)
        if scope is None:
            return super()._aiotest_make_session()
        # Built before the guards start: the shared fixture is not this test's leak.
        scope.ensure_built()
        scope.share_with(self)
        self._aiotest_fixture = scope.fixture
        return TestSession(
            self.settings,
            failure=self.failureException,
            runner=scope.runner,
            context=scope.context.copy(),
            trace=type(self)._aiotest_trace,
        )

    def _aiotest_async_setup_does_nothing(self) -> bool:
        case_class = type(self)
        return (
            self._aiotest_scope is not None
            and case_class.asyncSetUp is AioHTTPTestCase.asyncSetUp
            and case_class.setUpAsync is AioHTTPTestCase.setUpAsync
        )

    def _aiotest_class_settings(self) -> Settings:
        return resolve_settings(type(self), None, AsyncTestCase)

    def _aiotest_after_open(self, session: TestSession) -> None:
        if self._aiotest_scope is not None:
            # Registered after the finish, so it runs before it, after the test's own.
            self.addCleanup(self._aiotest_after_shared_test)

    def _aiotest_after_shared_test(self) -> None:
        scope = self._aiotest_scope
        close_connections = self.settings.check_leaks
        problem = scope.after_test(self, close_connections) if scope is not None else None
        if problem is not None:
            raise self.failureException(problem)

    # Each of aiotest's own async steps costs a trip around the loop; a step with nothing
    # to do (teardown that only closes what the fixture's cleanup closes anyway, a
    # fixture already closed) is not run at all.
    def _callTearDown(self) -> None:
        session = self._aiotest_require_session()
        case_class = type(self)
        if not (
            case_class.asyncTearDown is AioHTTPTestCase.asyncTearDown
            and case_class.tearDownAsync is AioHTTPTestCase.tearDownAsync
        ):
            session.run_async(self.asyncTearDown)
        if not self._aiotest_default(self.tearDown, unittest.TestCase.tearDown):
            session.run_sync(self.tearDown)

    def _callCleanup(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        target = getattr(function, "__func__", None)
        if target is AioHTTPTestCase._aiotest_close_fixture and (
            self._aiotest_fixture is None or self._aiotest_fixture.closed
        ):
            return
        super()._callCleanup(function, *args, **kwargs)


async def _maybe_await(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value

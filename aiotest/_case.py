"""Test cases: AsyncTestCase runs each test on its own loop; AioHTTPTestCase adds an app."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import sys
import unittest
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, TypeVar

from aiohttp import web

from ._client import TestClient
from ._hygiene import Hygiene
from ._messages import (
    NO_APPLICATION,
    SERVER_EXCEPTIONS_NOTE,
    SERVER_EXCEPTIONS_RAISED,
    SERVER_NOT_STARTED,
)
from ._proxy import TCPProxy
from ._report import ReportingResult
from ._scope import ClassFixture, check_server_scope, class_fixture, reset_between_tests
from ._server import BaseTestServer, TestServer
from ._server_errors import HandlerError, format_handler_errors
from ._settings import (
    ExecutorFactory,
    LoopFactory,
    Settings,
    resolve_settings,
    validate_class_settings,
)

if sys.version_info >= (3, 11):
    from ._runner import TestRunner

__all__ = ["AioHTTPTestCase", "AsyncTestCase"]


class AsyncTestCase(unittest.IsolatedAsyncioTestCase):
    """An :class:`unittest.IsolatedAsyncioTestCase` that runs fast and can be configured.

    Each test gets a fresh event loop made by :attr:`loop_factory`, with asyncio's debug
    mode off unless :attr:`loop_debug` (or ``PYTHONASYNCIODEBUG=1``) asks for it. The
    global event loop policy is never touched.
    """

    #: Makes the test's event loop; None means asyncio's own. Env: ``AIOTEST_LOOP=uvloop``.
    loop_factory: ClassVar[LoopFactory | None] = None
    #: asyncio debug mode for the test's loop. Env: ``PYTHONASYNCIODEBUG=1``.
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

    loop: asyncio.AbstractEventLoop
    _aiotest_settings: Settings | None = None
    # Set by IsolatedAsyncioTestCase.__init__; typeshed leaves its private state out.
    if sys.version_info >= (3, 11):
        _asyncioRunner: TestRunner | None
    else:  # pragma: no cover - py310
        _asyncioTestLoop: asyncio.AbstractEventLoop | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        validate_class_settings(cls, AsyncTestCase)  # a wrong value fails at import

    @property
    def settings(self) -> Settings:
        """The settings this test runs with, resolved once per test."""
        if self._aiotest_settings is None:
            method = getattr(type(self), self._testMethodName, None)
            self._aiotest_settings = resolve_settings(type(self), method, AsyncTestCase)
        return self._aiotest_settings

    def _aiotest_new_loop(self) -> asyncio.AbstractEventLoop:
        settings = self.settings
        factory = settings.loop_factory or asyncio.new_event_loop
        loop = factory()
        loop.set_debug(settings.loop_debug)
        if settings.slow_callback_duration is not None:
            loop.slow_callback_duration = settings.slow_callback_duration
        if settings.executor_factory is not None:
            loop.set_default_executor(settings.executor_factory())
        # Legacy code calls asyncio.get_event_loop() from sync setUp and test methods;
        # it must find the test's loop, whatever made it.
        asyncio.set_event_loop(loop)
        self.loop = loop
        return loop

    if sys.version_info >= (3, 11):

        def _setupAsyncioRunner(self) -> None:
            assert self._asyncioRunner is None, "asyncio runner is already initialized"
            self._asyncioRunner = TestRunner(
                debug=self.settings.loop_debug, loop_factory=self._aiotest_new_loop
            )

        def _tearDownAsyncioRunner(self) -> None:
            runner = self._asyncioRunner
            assert runner is not None, "asyncio runner is not initialized"
            try:
                runner.close()
            finally:
                # Cleared, or IsolatedAsyncioTestCase.__del__ tears down again when the
                # test case is collected, unsetting whatever loop is current by then.
                self._asyncioRunner = None
                asyncio.set_event_loop(None)

    else:  # pragma: no cover - exercised by the py310 tox environment

        def _setupAsyncioLoop(self) -> None:
            assert self._asyncioTestLoop is None, "asyncio test loop already initialized"
            loop = self._aiotest_new_loop()
            self._asyncioTestLoop = loop
            ready = loop.create_future()
            self._asyncioCallsTask = loop.create_task(self._asyncioLoopRunner(ready))
            loop.run_until_complete(ready)

    def _aiotest_loop(self) -> asyncio.AbstractEventLoop:
        """The test's loop, made on first use (before setUp runs)."""
        if sys.version_info >= (3, 11):
            assert self._asyncioRunner is not None, "asyncio runner is not initialized"
            return self._asyncioRunner.get_loop()
        loop = self._asyncioTestLoop  # pragma: no cover - py310
        assert loop is not None, "asyncio test loop is not initialized"  # pragma: no cover
        return loop  # pragma: no cover

    # Parallel runners (unittest-parallel) send tests to their workers by pickling them;
    # the contextvars.Context that IsolatedAsyncioTestCase keeps cannot be pickled, so a
    # test arrives without it and makes a fresh one.
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_asyncioTestContext", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if sys.version_info >= (3, 11):
            self._asyncioTestContext = contextvars.copy_context()

    # Test hygiene (aiotest/_hygiene.py): the guards start before setUp, every async part
    # of the test runs within the timeout budget, and the findings are checked by the
    # cleanup registered first, which unittest runs last.
    _aiotest_hygiene: Hygiene | None = None

    def run(self, result: unittest.TestResult | None = None) -> unittest.TestResult | None:
        """Run the test; a failure's report also shows what aiotest recorded meanwhile."""
        own_result = result is None
        if result is None:
            result = self.defaultTestResult()
            result.startTestRun()
        try:
            reporting: Any = ReportingResult(result, self._aiotest_failure_notes)
            super().run(reporting)
        finally:
            if self._aiotest_hygiene is not None:
                self._aiotest_hygiene.restore()
            if own_result:
                result.stopTestRun()
        return result

    def _callSetUp(self) -> None:
        hygiene = Hygiene(self.settings, self._aiotest_loop(), self.failureException)
        self._aiotest_hygiene = None
        if hygiene.active:
            self._aiotest_hygiene = hygiene
            hygiene.start()
            self.addAsyncCleanup(self._aiotest_check_hygiene)
        super()._callSetUp()  # type: ignore[misc]

    def _callAsync(self, func: Any, /, *args: Any, **kwargs: Any) -> Any:
        budgeted = self._aiotest_budgeted(func)
        return super()._callAsync(budgeted, *args, **kwargs)  # type: ignore[misc]

    def _callMaybeAsync(self, func: Any, /, *args: Any, **kwargs: Any) -> Any:
        budgeted = self._aiotest_budgeted(func)
        return super()._callMaybeAsync(budgeted, *args, **kwargs)  # type: ignore[misc]

    def _aiotest_budgeted(self, func: Any) -> Any:
        hygiene = self._aiotest_hygiene
        if (
            hygiene is None
            or not inspect.iscoroutinefunction(func)
            or func == self._aiotest_check_hygiene
        ):
            return func
        phase = getattr(func, "__name__", repr(func))

        async def budgeted(*args: Any, **kwargs: Any) -> Any:
            return await hygiene.within_budget(func(*args, **kwargs), phase)

        return budgeted

    async def _aiotest_check_hygiene(self) -> None:
        hygiene = self._aiotest_hygiene
        assert hygiene is not None
        # Python 3.10 hands errors to the result only after the cleanups; they are
        # reported all the same.
        for _, exc_info in getattr(getattr(self, "_outcome", None), "errors", ()):
            if exc_info is not None:
                hygiene.reported(exc_info[1])
        problems = await hygiene.finish()
        problems.extend(self._aiotest_more_problems())
        if problems:
            raise self.failureException("\n\n".join(problems))

    def _aiotest_more_problems(self) -> list[str]:
        """Problems that a subclass's own records show at the end of the test."""
        return []

    def _aiotest_failure_notes(self, exc: BaseException) -> str | None:
        """Extra text for the report of ``exc``, a failure or error of this test."""
        if self._aiotest_hygiene is not None:
            self._aiotest_hygiene.reported(exc)
        return None


_T = TypeVar("_T")


async def _maybe_await(value: _T | Awaitable[_T]) -> _T:
    if inspect.isawaitable(value):
        return await value
    return value


def _closed(resource: object) -> bool:
    """True for None and for an aiotest client or server that is closed or never started."""
    if resource is None:
        return True
    if isinstance(resource, TestClient):
        return resource.closed
    if isinstance(resource, BaseTestServer):
        return resource.closed or not resource.started
    return False


class AioHTTPTestCase(AsyncTestCase):
    """A test case with an aiohttp application, its test server and a client per test.

    ``asyncSetUp`` builds the fixture through :meth:`get_application`,
    :meth:`get_server` and :meth:`get_client`, starts the server, and sets ``self.app``,
    ``self.server``, ``self.client`` and ``self.loop``. Whatever was made is closed after
    the test, and also when setup fails part-way.
    """

    app: web.Application
    server: TestServer
    client: TestClient[web.Request, web.Application]
    _aiotest_fixture_ready = False
    _aiotest_made_client: TestClient[web.Request, web.Application] | None = None

    #: ``"test"``: a fresh app, server and client for every test. ``"class"``: one of each,
    #: on one loop, for all tests of the class (faster; state on ``self.app`` survives
    #: from one test to the next). See :doc:`speed`.
    server_scope: ClassVar[str] = "test"
    _aiotest_shared: ClassFixture | None = None

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
        # Remembered so that the fixture's cleanup closes its session even when an
        # override raises after calling super().get_client().
        self._aiotest_made_client = client
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

    def setUp(self) -> None:
        """Build the fixture now when a subclass's own ``setUp`` calls this one.

        That is how suites written before ``asyncSetUp`` existed use ``self.client``
        from ``setUp``. Otherwise ``asyncSetUp`` builds it.
        """
        if type(self).setUp is not AioHTTPTestCase.setUp and not self._aiotest_fixture_ready:
            loop = self._aiotest_loop()
            self.loop = loop
            loop.run_until_complete(self._aiotest_build_fixture())

    async def asyncSetUp(self) -> None:
        self.loop = asyncio.get_running_loop()
        await self.setUpAsync()

    async def setUpAsync(self) -> None:
        """Build the application, server and client, and start the server."""
        if not self._aiotest_fixture_ready:
            await self._aiotest_build_fixture()

    async def _aiotest_build_fixture(self) -> None:
        self._aiotest_fixture_ready = True
        # Suites written for aiohttp 2.x override these hooks with plain functions.
        self.app = await _maybe_await(self.get_application())
        self.server = await _maybe_await(self.get_server(self.app))
        # Registered before the client exists: a failing get_client or start_server still
        # closes what was made, and so does a subclass's asyncSetUp failing after super().
        self.addAsyncCleanup(self._aiotest_close_fixture)
        self.client = await _maybe_await(self.get_client(self.server))
        await self.client.start_server()

    async def _aiotest_close_fixture(self) -> None:
        try:
            for client in (self.__dict__.get("client"), self._aiotest_made_client):
                if client is not None:
                    await client.close()
        finally:
            await self.server.close()

    async def asyncTearDown(self) -> None:
        await self.tearDownAsync()

    async def tearDownAsync(self) -> None:
        """Close the client and the server (with ``server_scope = "class"``: the class does)."""
        client = self.__dict__.get("client")
        if client is not None and self._aiotest_shared is None:
            await client.close()

    if sys.version_info >= (3, 11):

        def _setupAsyncioRunner(self) -> None:
            shared = self._aiotest_shared = class_fixture(self)
            if shared is None:
                super()._setupAsyncioRunner()
                return
            assert self._asyncioRunner is None, "asyncio runner is already initialized"
            self._asyncioRunner = shared.runner

        def _tearDownAsyncioRunner(self) -> None:
            if self._aiotest_shared is None:
                super()._tearDownAsyncioRunner()
                return
            # The class closes its runner after its last test.
            self._asyncioRunner = None
            asyncio.set_event_loop(None)

    else:  # pragma: no cover - exercised by the py310 tox environment

        def _setupAsyncioLoop(self) -> None:
            shared = self._aiotest_shared = class_fixture(self)
            if shared is None:
                super()._setupAsyncioLoop()
                return
            assert self._asyncioTestLoop is None, "asyncio test loop already initialized"
            loop = self._asyncioTestLoop = shared.loop
            asyncio.set_event_loop(loop)
            ready = loop.create_future()
            self._asyncioCallsTask = loop.create_task(self._asyncioLoopRunner(ready))
            loop.run_until_complete(ready)

        def _tearDownAsyncioLoop(self) -> None:
            if self._aiotest_shared is None:
                super()._tearDownAsyncioLoop()
                return
            loop = self._asyncioTestLoop
            assert loop is not None, "asyncio test loop is not initialized"
            self._asyncioTestLoop = None
            # Ends this test's call queue; the class closes the loop after its last test.
            self._asyncioCallsQueue.put_nowait(None)
            loop.run_until_complete(self._asyncioCallsQueue.join())
            asyncio.set_event_loop(None)

    _aiotest_pending_reset: Callable[[], Awaitable[None]] | None = None

    def _aiotest_reset_between_tests(self) -> None:
        client = self.__dict__.get("client")
        if isinstance(client, TestClient):
            # What needs the loop (open websockets) is left to _aiotest_finish_reset.
            close_connections = self.settings.check_leaks
            self._aiotest_pending_reset = reset_between_tests(client, close_connections)

    async def _aiotest_finish_reset(self) -> None:
        pending, self._aiotest_pending_reset = self._aiotest_pending_reset, None
        if pending is not None:
            await pending()

    # Each of aiotest's own async steps costs a trip around the loop; a step with nothing
    # to do (a fixture shared by the class, a client closed already) is not run at all.
    def _callAsync(self, func: Any, /, *args: Any, **kwargs: Any) -> Any:
        if self._aiotest_nothing_to_do(func):
            return None
        return super()._callAsync(func, *args, **kwargs)

    def _callMaybeAsync(self, func: Any, /, *args: Any, **kwargs: Any) -> Any:
        if self._aiotest_nothing_to_do(func):
            return None
        return super()._callMaybeAsync(func, *args, **kwargs)

    def _aiotest_nothing_to_do(self, func: Any) -> bool:
        target = getattr(func, "__func__", None)
        if target is None or getattr(func, "__self__", None) is not self:
            return False
        case_class = type(self)
        if target is AioHTTPTestCase.asyncSetUp:
            return (
                self._aiotest_shared is not None
                and self._aiotest_fixture_ready
                and case_class.setUpAsync is AioHTTPTestCase.setUpAsync
            )
        if target is AioHTTPTestCase.asyncTearDown:
            return case_class.tearDownAsync is AioHTTPTestCase.tearDownAsync and (
                self._aiotest_shared is not None or _closed(self.__dict__.get("client"))
            )
        if target is AioHTTPTestCase._aiotest_finish_reset:
            return self._aiotest_pending_reset is None
        if target is AioHTTPTestCase._aiotest_close_fixture:
            return (
                _closed(self.__dict__.get("client"))
                and _closed(self._aiotest_made_client)
                and _closed(self.__dict__.get("server"))
            )
        return False

    # Exceptions that request handlers let escape are recorded by the test server; these
    # show them in the test's report (see aiotest/_server_errors.py).
    _aiotest_handler_errors_before = 0

    def _callSetUp(self) -> None:
        check_server_scope(type(self))
        shared = self._aiotest_shared
        if shared is not None:
            # Built before the hygiene starts: the shared fixture is not this test's leak.
            shared.build()
            shared.share_with(self)
        # A server that outlives one test (class scope) keeps earlier tests' records.
        self._aiotest_handler_errors_before = len(self._aiotest_all_handler_errors())
        try:
            super()._callSetUp()
        finally:
            if shared is not None:
                # Registered last, so they run first of the cleanups, before the hygiene check.
                self.addAsyncCleanup(self._aiotest_finish_reset)
                self.addCleanup(self._aiotest_reset_between_tests)

    def _aiotest_all_handler_errors(self) -> list[HandlerError]:
        errors = getattr(getattr(self, "server", None), "handler_errors", None)
        return errors if isinstance(errors, list) else []

    def _aiotest_handler_errors(self) -> list[HandlerError]:
        """The handler exceptions recorded during this test."""
        return self._aiotest_all_handler_errors()[self._aiotest_handler_errors_before :]

    def _aiotest_more_problems(self) -> list[str]:
        errors = self._aiotest_handler_errors()
        if not (errors and self.settings.raise_server_exceptions):
            return []
        return [SERVER_EXCEPTIONS_RAISED.format(count=len(errors)) + format_handler_errors(errors)]

    def _aiotest_failure_notes(self, exc: BaseException) -> str | None:
        super()._aiotest_failure_notes(exc)
        errors = self._aiotest_handler_errors()
        report = format_handler_errors(errors)
        if not errors or report in str(exc):  # raise_server_exceptions has shown them
            return None
        return SERVER_EXCEPTIONS_NOTE.format(count=len(errors)) + report

"""Test cases: AsyncTestCase runs each test on its own loop; AioHTTPTestCase adds an app."""

from __future__ import annotations

import asyncio
import inspect
import sys
import unittest
from typing import Any, ClassVar

from aiohttp import web

from ._client import TestClient
from ._messages import NO_APPLICATION
from ._server import TestServer
from ._settings import ExecutorFactory, LoopFactory, Settings, resolve_settings

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
        _asyncioRunner: asyncio.Runner | None
    else:  # pragma: no cover - py310
        _asyncioTestLoop: asyncio.AbstractEventLoop | None

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
            self._asyncioRunner = asyncio.Runner(
                debug=self.settings.loop_debug, loop_factory=self._aiotest_new_loop
            )

        def _tearDownAsyncioRunner(self) -> None:
            runner = self._asyncioRunner
            assert runner is not None, "asyncio runner is not initialized"
            try:
                runner.close()
            finally:
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

    async def get_application(self) -> web.Application:
        """Return the :class:`aiohttp.web.Application` to test. Override this."""
        app: Any = self.get_app()
        if inspect.isawaitable(app):
            app = await app
        result: web.Application = app
        return result

    def get_app(self) -> web.Application:
        """Older, synchronous spelling of :meth:`get_application`."""
        raise RuntimeError(NO_APPLICATION.format(class_name=type(self).__name__))

    async def get_server(self, app: web.Application) -> TestServer:
        """Return the test server for ``app``."""
        return TestServer(app, loop=self.loop)

    async def get_client(self, server: TestServer) -> TestClient[web.Request, web.Application]:
        """Return the test client for ``server``."""
        return TestClient(server, loop=self.loop)

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
        self.app = await self.get_application()
        self.server = await self.get_server(self.app)
        # Registered before the client exists: a failing get_client or start_server still
        # closes what was made, and so does a subclass's asyncSetUp failing after super().
        self.addAsyncCleanup(self._aiotest_close_fixture)
        self.client = await self.get_client(self.server)
        await self.client.start_server()

    async def _aiotest_close_fixture(self) -> None:
        client = self.__dict__.get("client")
        if client is not None:
            await client.close()
        else:
            await self.server.close()

    async def asyncTearDown(self) -> None:
        await self.tearDownAsync()

    async def tearDownAsync(self) -> None:
        """Close the client and the server."""
        client = self.__dict__.get("client")
        if client is not None:
            await client.close()

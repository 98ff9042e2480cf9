"""The aiohttp fixture (application, test server, client) and the class scope that shares it.

:class:`AppFixture` is built through a test case's hooks (``get_application``,
``get_server``, ``get_client``), reset between tests when it is shared, and closed. A
test-scoped fixture lives for one test; :class:`ClassScope` keeps one fixture and one loop
for every test of a class (``server_scope = "class"``) and closes both after the last test.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import unittest
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol, TypeVar

import aiohttp
from aiohttp import web

from ._client import TestClient
from ._compat import pooled_client_connections
from ._messages import SHARED_FIXTURE_CLOSED
from ._runner import LoopRunner
from ._server import BaseTestServer, TestServer
from ._session import make_loop
from ._settings import Settings

__all__ = [
    "SERVER_SCOPES",
    "AppFixture",
    "ClassScope",
    "FixtureHooks",
    "check_server_scope",
    "class_scope_of",
]

__unittest = True

#: The values ``server_scope`` accepts: a fixture per test (the default) or per class.
SERVER_SCOPES = ("test", "class")

BAD_SERVER_SCOPE = (
    "{class_name}.server_scope = {value!r} is not a scope aiotest knows: "
    "use one of {allowed} ('test' builds the app, server and client for every test; "
    "'class' builds them once for all tests of the class)"
)

# How long a test may wait, at most, for the server to see the connections it closed.
_SERVER_SETTLE_SECONDS = 1.0

# Where a class keeps its scope: in its own __dict__, so a subclass builds its own.
_SCOPE_ATTRIBUTE = "_aiotest_class_scope"

_T = TypeVar("_T")


class FixtureHooks(Protocol):
    """What builds a fixture: the hooks of an AioHTTPTestCase."""

    def get_application(self) -> Any: ...

    def get_server(self, app: web.Application) -> Any: ...

    def get_client(self, server: TestServer) -> Any: ...


async def maybe_await(value: _T | Awaitable[_T]) -> _T:
    """Await ``value`` if it is awaitable: suites written for aiohttp 2.x use sync hooks."""
    if inspect.isawaitable(value):
        return await value
    return value


def check_server_scope(case_class: type) -> str:
    """Return ``case_class.server_scope``, or raise ValueError naming the allowed values."""
    value = getattr(case_class, "server_scope", "test")
    if not isinstance(value, str) or value not in SERVER_SCOPES:
        allowed = ", ".join(repr(scope) for scope in SERVER_SCOPES)
        raise ValueError(
            BAD_SERVER_SCOPE.format(class_name=case_class.__name__, value=value, allowed=allowed)
        )
    return value


class AppFixture:
    """An application, its test server and a client, made through a test case's hooks."""

    def __init__(self) -> None:
        self.app: web.Application | None = None
        self.server: BaseTestServer | None = None
        self.client: TestClient[Any, Any] | None = None
        # Clients the default get_client made: closed even when an override raises after
        # calling super().get_client().
        self.made_clients: list[TestClient[Any, Any]] = []

    async def build(self, hooks: FixtureHooks) -> None:
        """Build the app, server and client through ``hooks``, and start the server.

        On failure, what was made stays recorded, for :meth:`close`. The hooks are not
        kept: a test case holds its fixture, and a fixture holding the test case back would
        make both garbage that only the cycle collector frees.
        """
        app: web.Application = await maybe_await(hooks.get_application())
        self.app = app
        server: TestServer = await maybe_await(hooks.get_server(app))
        self.server = server
        client: TestClient[Any, Any] = await maybe_await(hooks.get_client(server))
        self.client = client
        await client.start_server()

    @property
    def closed(self) -> bool:
        """True when nothing this fixture made is open."""
        return (
            _closed(self.client)
            and all(client.closed for client in self.made_clients)
            and _closed(self.server)
        )

    async def close(self) -> None:
        """Close every client and the server; a second call does nothing."""
        try:
            for client in (self.client, *self.made_clients):
                if client is not None:
                    await client.close()
        finally:
            if self.server is not None:
                await self.server.close()

    def closed_part(self) -> str | None:
        """``"client"`` or ``"server"`` if a test closed it, else None."""
        if self.client is not None and self.client.closed:
            return "client"
        if self.server is not None and self.server.closed:
            return "server"
        return None

    def reset(self, close_connections: bool) -> Coroutine[Any, Any, None] | None:
        """Leave the client as a fresh one would be: no responses, websockets, cookies.

        Responses and cookies go at once. Returns what must still run on the loop, or
        None: closing open websockets, and with ``close_connections`` the keep-alive
        connections too, waiting until the server has finished with them, so that a leak
        check sees nothing the test opened.
        """
        client = self.client
        if client is None or client.closed:
            return None
        responses, client._responses = client._responses, []
        for response in responses:
            response.close()
        client.session.cookie_jar.clear()
        websockets = [websocket for websocket in client._websockets if not websocket.closed]
        client._websockets = []
        if not websockets and not close_connections:
            return None
        return _close_connections(client, websockets, close_connections)


async def _close_connections(
    client: TestClient[Any, Any],
    websockets: list[aiohttp.ClientWebSocketResponse],
    close_connections: bool,
) -> None:
    for websocket in websockets:
        await websocket.close()
    if not close_connections:
        return
    for protocol in pooled_client_connections(client.session):
        protocol.close()
    runner = getattr(client.server, "runner", None)
    handler = getattr(runner, "server", None)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _SERVER_SETTLE_SECONDS
    while getattr(handler, "connections", None) and loop.time() < deadline:
        await asyncio.sleep(0)


def _closed(resource: object) -> bool:
    if resource is None:
        return True
    if isinstance(resource, TestClient):
        return resource.closed
    if isinstance(resource, BaseTestServer):
        return resource.closed or not resource.started
    return False


def _skipped(test: unittest.TestCase) -> bool:
    method = getattr(test, test._testMethodName, None)
    return bool(
        getattr(type(test), "__unittest_skip__", False)
        or getattr(method, "__unittest_skip__", False)
    )


class ClassScope:
    """One loop and one fixture shared by every test of one class.

    The fixture is built by a *builder*, an instance of the class that never runs as a
    test; what its hooks set on it (``app``, ``server``, ``client`` and the user's own
    attributes) is given to each test before the test starts. A test that closes the
    shared client or server fails, and the next test gets a new fixture.
    """

    def __init__(self, case_class: type[Any], settings: Settings) -> None:
        # "runTest" is the one method name a TestCase accepts without such a method.
        self.builder = case_class("runTest")
        self._baseline = dict(vars(self.builder))
        self.settings = settings
        self.runner = LoopRunner(make_loop(settings))
        self.context = contextvars.copy_context()
        self.fixture: AppFixture | None = None
        self.shared: dict[str, Any] = {}
        self.closed = False

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop every test of the class runs on."""
        return self.runner.loop

    def ensure_built(self) -> None:
        """Build the fixture unless it is built; a failure closes what was made and raises.

        After a failure the next test tries again, and fails with its own report.
        """
        if self.fixture is not None:
            return
        builder = self.builder
        builder.loop = self.loop
        fixture = AppFixture()
        builder._aiotest_fixture = fixture
        before = self._baseline
        try:
            self.runner.run(fixture.build(builder), self.context)
        except BaseException:
            try:
                self.runner.run(fixture.close(), self.context)
            finally:
                self._forget_builder_attributes()
            raise
        self.shared = {
            name: value
            for name, value in vars(builder).items()
            if name not in before or before[name] is not value
        }
        self.fixture = fixture

    def _forget_builder_attributes(self) -> None:
        state = vars(self.builder)
        state.clear()
        state.update(self._baseline)

    def share_with(self, test: Any) -> None:
        """Give ``test`` the fixture and the loop."""
        vars(test).update(self.shared)
        test.loop = self.loop

    def after_test(self, test: unittest.TestCase, close_connections: bool) -> str | None:
        """Reset the shared client for the next test; return a problem ``test`` caused.

        A test that closed the shared client or server fails, and the fixture is closed
        and built anew for the next test.
        """
        fixture = self.fixture
        part = fixture.closed_part() if fixture is not None else None
        if fixture is not None and part is None:
            remainder = fixture.reset(close_connections)
            if remainder is not None:
                self.runner.run(remainder, self.context)
            return None
        if fixture is None or part is None:
            return None
        self.fixture = None
        try:
            self.runner.run(fixture.close(), self.context)
        finally:
            self._forget_builder_attributes()
        return SHARED_FIXTURE_CLOSED.format(
            test=test.id().rsplit(".", 1)[-1], part=part, class_name=type(test).__name__
        )

    def close(self) -> None:
        """Close the fixture, then the loop; a second call does nothing."""
        if self.closed:
            return
        self.closed = True
        try:
            if self.fixture is not None:
                self.runner.run(self.fixture.close(), self.context)
        finally:
            self.runner.close()


def class_scope_of(test: unittest.TestCase, settings: Callable[[], Settings]) -> ClassScope | None:
    """Return the scope ``test``'s class shares, or None when it shares none.

    Made on first use, with the class's ``settings()``, and closed by a class cleanup,
    which unittest and pytest run after the class's last test, also when ``setUpClass``
    fails. Skipped tests share nothing.
    """
    case_class = type(test)
    if check_server_scope(case_class) != "class" or _skipped(test):
        return None
    scope: ClassScope | None = vars(case_class).get(_SCOPE_ATTRIBUTE)
    if scope is None or scope.closed:
        scope = ClassScope(case_class, settings())
        setattr(case_class, _SCOPE_ATTRIBUTE, scope)
        case_class.addClassCleanup(_closer(case_class, scope))
    return scope


def _closer(case_class: type, scope: ClassScope) -> Any:
    def close() -> None:
        try:
            scope.close()
        finally:
            if vars(case_class).get(_SCOPE_ATTRIBUTE) is scope:
                delattr(case_class, _SCOPE_ATTRIBUTE)

    return close

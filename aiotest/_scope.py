"""Class-scoped fixtures: one loop, app, server and client shared by every test of a class.

``server_scope = "class"`` on an :class:`~aiotest.AioHTTPTestCase` trades per-test isolation
for speed: the fixture is built once, before the class's first test, through the usual
hooks, and closed once after its last test (also when a test or the build fails). Each test
still gets its own contextvars, its own hygiene checks and a client with no open responses,
websockets or cookies left by the test before.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import sys
import unittest
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp

from ._loops import teardown_test_loop

if sys.version_info >= (3, 11):
    from ._runner import TestRunner

if TYPE_CHECKING:
    from ._case import AioHTTPTestCase
    from ._client import TestClient

__all__ = [
    "SERVER_SCOPES",
    "ClassFixture",
    "check_server_scope",
    "class_fixture",
    "reset_between_tests",
]

#: The values ``server_scope`` accepts: a fixture per test (the default) or per class.
SERVER_SCOPES = ("test", "class")

BAD_SERVER_SCOPE = (
    "{class_name}.server_scope = {value!r} is not a scope aiotest knows: "
    "use one of {allowed} ('test' builds the app, server and client for every test; "
    "'class' builds them once for all tests of the class)"
)

# Where a class keeps its fixture: in its own __dict__, so a subclass builds its own.
_FIXTURE_ATTRIBUTE = "_aiotest_class_fixture"

_T = TypeVar("_T")


def check_server_scope(case_class: type) -> str:
    """Return ``case_class.server_scope``, or raise ValueError naming the allowed values."""
    value = getattr(case_class, "server_scope", "test")
    if not isinstance(value, str) or value not in SERVER_SCOPES:
        allowed = ", ".join(repr(scope) for scope in SERVER_SCOPES)
        raise ValueError(
            BAD_SERVER_SCOPE.format(class_name=case_class.__name__, value=value, allowed=allowed)
        )
    return value


def _skipped(test: unittest.TestCase) -> bool:
    method = getattr(test, test._testMethodName, None)
    return bool(
        getattr(type(test), "__unittest_skip__", False)
        or getattr(method, "__unittest_skip__", False)
    )


class ClassFixture:
    """The loop and the fixture that every test of one class shares.

    The loop is made on first use by a *builder*, an instance of the class that never
    runs as a test: its settings (resolved without a test method) make the loop, and its
    hooks (``get_application``, ``get_server``, ``get_client``) build the fixture. What
    those hooks set on the builder (``app``, ``server``, ``client`` and the user's own
    attributes) is copied onto each test before it starts.
    """

    def __init__(self, case_class: type[AioHTTPTestCase]) -> None:
        # "runTest" is the one method name a TestCase accepts without such a method.
        self.builder = case_class("runTest")
        self.context = contextvars.copy_context()
        self.shared: dict[str, Any] = {}
        self.built = False
        self.closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        if sys.version_info >= (3, 11):
            self.runner = TestRunner(
                debug=self.builder.settings.loop_debug, loop_factory=self._new_loop
            )

    def _new_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = self.builder._aiotest_new_loop()
        return self._loop

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The class's loop, made on first use."""
        if sys.version_info >= (3, 11):
            return self.runner.get_loop()
        return self._new_loop()  # pragma: no cover - py310

    def run(self, awaitable: Awaitable[_T]) -> _T:
        """Run ``awaitable`` to completion on the class's loop, outside any test."""

        async def wrapper() -> _T:
            return await awaitable

        if sys.version_info >= (3, 11):
            return self.runner.run(wrapper(), context=self.context)
        return self.loop.run_until_complete(wrapper())  # pragma: no cover - py310

    def build(self) -> None:
        """Build the fixture through the builder's hooks, once; a failure closes what was made.

        After a failure the next test tries again, and fails with its own report.
        """
        if self.built:
            return
        builder = self.builder
        builder.loop = self.loop
        before = set(vars(builder))
        try:
            self.run(builder._aiotest_build_fixture())
        except BaseException:
            try:
                self.run(self._close_fixture())
            finally:
                for name in set(vars(builder)) - before:
                    delattr(builder, name)
            raise
        finally:
            # The builder registered its own close as a cleanup; this object runs it.
            builder._cleanups.clear()  # type: ignore[attr-defined]
        self.shared = {name: vars(builder)[name] for name in set(vars(builder)) - before}
        self.built = True

    async def _close_fixture(self) -> None:
        builder = self.builder
        if "server" in vars(builder):
            await builder._aiotest_close_fixture()

    def share_with(self, test: AioHTTPTestCase) -> None:
        """Give ``test`` the fixture: what the hooks set on the builder, and the loop."""
        vars(test).update(self.shared)
        loop = test.loop = self.loop
        # Code in a sync setUp that asks asyncio for the loop must find this one.
        asyncio.set_event_loop(loop)

    def close(self) -> None:
        """Close the client and server, then the loop; a second call does nothing."""
        if self.closed:
            return
        self.closed = True
        if sys.version_info >= (3, 11):
            try:
                if self.built:
                    self.run(self._close_fixture())
            finally:
                self.runner.close()
            return
        loop = self._loop  # pragma: no cover - py310
        if loop is None:  # pragma: no cover - py310
            return
        try:  # pragma: no cover - py310
            if self.built:
                self.run(self._close_fixture())
        finally:  # pragma: no cover - py310
            teardown_test_loop(loop, fast=True)


def class_fixture(test: AioHTTPTestCase) -> ClassFixture | None:
    """Return the fixture that ``test``'s class shares, or None when the class does not.

    Made on first use and closed by a class cleanup, which unittest and pytest run after
    the class's last test, also when ``setUpClass`` fails. Skipped tests share nothing.
    """
    case_class = type(test)
    # An unknown scope is reported by the test's setup; here it shares nothing.
    if getattr(case_class, "server_scope", None) != "class" or _skipped(test):
        return None
    fixture: ClassFixture | None = vars(case_class).get(_FIXTURE_ATTRIBUTE)
    if fixture is None or fixture.closed:
        fixture = ClassFixture(case_class)
        setattr(case_class, _FIXTURE_ATTRIBUTE, fixture)
        case_class.addClassCleanup(_forget(case_class, fixture))
    return fixture


def _forget(case_class: type, fixture: ClassFixture) -> Callable[[], None]:
    def close() -> None:
        try:
            fixture.close()
        finally:
            if vars(case_class).get(_FIXTURE_ATTRIBUTE) is fixture:
                delattr(case_class, _FIXTURE_ATTRIBUTE)

    return close


# How long a test may wait, at most, for the server to see the connections it closed.
_SERVER_SETTLE_SECONDS = 1.0


def reset_between_tests(
    client: TestClient[Any, Any], close_connections: bool
) -> Callable[[], Coroutine[Any, Any, None]] | None:
    """Leave ``client`` as a fresh one would be: no responses, websockets or cookies.

    Responses and cookies go at once. Returns the coroutine function that must still run
    on the loop, or None: closing open websockets, and with ``close_connections`` the idle
    keep-alive connections too, waiting until the server has finished with them, so that
    a leak check sees nothing this test opened.
    """
    responses, client._responses = client._responses, []
    websockets, client._websockets = client._websockets, []
    for response in responses:
        response.close()
    client.session.cookie_jar.clear()
    still_open = [websocket for websocket in websockets if not websocket.closed]
    if not still_open and not close_connections:
        return None
    return functools.partial(_close_connections, client, still_open, close_connections)


async def _close_connections(
    client: TestClient[Any, Any],
    websockets: list[aiohttp.ClientWebSocketResponse],
    close_connections: bool,
) -> None:
    for websocket in websockets:
        await websocket.close()
    if not close_connections:
        return
    connector = client.session.connector
    pools: dict[Any, Any] = getattr(connector, "_conns", {})
    for pool in pools.values():
        for protocol, _ in list(pool):
            protocol.close()
    runner = getattr(client.server, "runner", None)
    handler = getattr(runner, "server", None)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _SERVER_SETTLE_SECONDS
    while getattr(handler, "connections", None) and loop.time() < deadline:
        await asyncio.sleep(0)

"""AioHTTPTestCase setup failing part-way: the error is reported and nothing leaks."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import socket
import unittest
import warnings
from typing import Any

from aiohttp import web

import aiotest

FAILURE_POINTS = (
    "get_application",
    "get_server",
    "get_client",
    "on_startup",
    "asyncSetUp",
    "legacy setUp",
)


class SetupFailed(Exception):
    """Raised on purpose at one point of the fixture's setup."""


@dataclasses.dataclass
class Observation:
    """What one failing test run left behind."""

    errors: list[str] = dataclasses.field(default_factory=list)
    failures: list[str] = dataclasses.field(default_factory=list)
    sessions_closed: list[bool] = dataclasses.field(default_factory=list)
    sockets_closed: list[bool] = dataclasses.field(default_factory=list)
    events: list[str] = dataclasses.field(default_factory=list)
    resource_warnings: list[str] = dataclasses.field(default_factory=list)


def accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except ConnectionRefusedError:
        return False


def make_case(point: str, events: list[str], made: dict[str, list[Any]]) -> type[unittest.TestCase]:
    """Return a test case whose setup raises SetupFailed at ``point``."""

    def bind(host: str, port: int, family: socket.AddressFamily) -> socket.socket:
        sock = aiotest.get_port_socket(host, port, family)
        made["sockets"].append(sock)
        return sock

    class FailingSetup(aiotest.AioHTTPTestCase):
        async def get_application(self) -> web.Application:
            if point == "get_application":
                raise SetupFailed(point)
            app = web.Application()

            async def open_resource(app: web.Application) -> None:
                events.append("startup")

            async def fail_startup(app: web.Application) -> None:
                raise SetupFailed(point)

            async def close_resource(app: web.Application) -> None:
                events.append("cleanup")

            app.on_startup.append(open_resource)
            if point in ("on_startup", "legacy setUp"):
                app.on_startup.append(fail_startup)
            app.on_cleanup.append(close_resource)
            return app

        async def get_server(self, app: web.Application) -> aiotest.TestServer:
            server = aiotest.TestServer(app, socket_factory=bind)
            if point == "get_server":
                raise SetupFailed(point)
            return server

        async def get_client(
            self, server: aiotest.TestServer
        ) -> aiotest.TestClient[web.Request, web.Application]:
            client = await super().get_client(server)
            made["clients"].append(client)
            if point == "get_client":
                raise SetupFailed(point)
            return client

        async def asyncSetUp(self) -> None:
            await super().asyncSetUp()
            if point == "asyncSetUp":
                raise SetupFailed(point)

        async def test_never_runs(self) -> None:
            events.append("test ran")

    if point != "legacy setUp":
        return FailingSetup

    class LegacySetUp(FailingSetup):
        def setUp(self) -> None:
            aiotest.AioHTTPTestCase.setUp(self)
            # Suites written before asyncSetUp existed use the fixture right away; reading
            # it builds it here, and the failing on_startup fails this setUp.
            events.append(f"setUp sees port {self.client.port}")
            events.append("setUp went on")

    return LegacySetUp


def observe(case_factory: Any, point: str) -> Observation:
    """Run the failing test, then drop every reference and collect, recording warnings."""
    observation = Observation()
    made: dict[str, list[Any]] = {"clients": [], "sockets": []}
    # Garbage left by earlier tests must not warn inside the window observed here.
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        case = case_factory(point, observation.events, made)
        result = unittest.TestResult()
        case("test_never_runs").run(result)
        observation.errors = [text for _, text in result.errors]
        observation.failures = [text for _, text in result.failures]
        observation.sessions_closed = [client.session.closed for client in made["clients"]]
        observation.sockets_closed = [sock.fileno() == -1 for sock in made["sockets"]]
        del case, result
        made.clear()
        gc.collect()
    observation.resource_warnings = [
        str(w.message) for w in caught if issubclass(w.category, ResourceWarning)
    ]
    return observation


class TestSetupFailures(unittest.TestCase):
    def test_error_is_reported_and_nothing_leaks(self) -> None:
        for point in FAILURE_POINTS:
            with self.subTest(point=point):
                seen = observe(make_case, point)
                self.assertEqual(len(seen.errors), 1, seen.errors)
                self.assertIn(f"SetupFailed: {point}", seen.errors[0])
                self.assertEqual(seen.failures, [])
                self.assertNotIn("test ran", seen.events)
                self.assertNotIn("setUp went on", seen.events)
                self.assertTrue(all(seen.sessions_closed), "a client session was left open")
                self.assertTrue(all(seen.sockets_closed), "a listening socket was left open")
                self.assertEqual(seen.resource_warnings, [])
                # Every application that began to start was cleaned up, once.
                self.assertEqual(seen.events.count("cleanup"), seen.events.count("startup"))

    def test_what_each_point_had_made(self) -> None:
        expected = {
            "get_application": (0, 0, []),
            "get_server": (0, 0, []),
            "get_client": (1, 0, []),
            "on_startup": (1, 0, ["startup", "cleanup"]),
            "asyncSetUp": (1, 1, ["startup", "cleanup"]),
            "legacy setUp": (1, 0, ["startup", "cleanup"]),
        }
        for point, (clients, sockets, events) in expected.items():
            with self.subTest(point=point):
                seen = observe(make_case, point)
                self.assertEqual(len(seen.sessions_closed), clients)
                self.assertEqual(len(seen.sockets_closed), sockets)
                self.assertEqual(seen.events, events)

    def test_port_is_refused_after_async_setup_fails(self) -> None:
        ports: list[int] = []

        def make_recording_case(
            point: str, events: list[str], made: dict[str, list[Any]]
        ) -> type[unittest.TestCase]:
            base: Any = make_case(point, events, made)

            class RecordPort(base):  # type: ignore[misc]
                async def asyncSetUp(self) -> None:
                    try:
                        await super().asyncSetUp()
                    finally:
                        ports.append(self.server.port)

            return RecordPort

        seen = observe(make_recording_case, "asyncSetUp")
        self.assertEqual(len(seen.errors), 1)
        self.assertEqual(len(ports), 1)
        self.assertFalse(accepts_connections(ports[0]), "the server still listens")

    def test_the_checks_catch_a_leaking_fixture(self) -> None:
        # A control: with the fixture's cleanup switched off, the same observation sees the
        # open session, the open socket and the ResourceWarnings.

        def make_leaking_case(
            point: str, events: list[str], made: dict[str, list[Any]]
        ) -> type[unittest.TestCase]:
            base: Any = make_case(point, events, made)

            class Leaking(base):  # type: ignore[misc]
                # uvloop closes a closed loop's listening sockets itself; asyncio's loop
                # leaves them open, which is the leak this control must see.
                loop_factory = asyncio.new_event_loop

                async def _aiotest_close_fixture(self) -> None:
                    """Close nothing."""

            return Leaking

        # The session's own finaliser reports the leak through the loop's exception handler.
        with self.assertLogs("asyncio", "ERROR"):
            seen = observe(make_leaking_case, "asyncSetUp")
        self.assertEqual(seen.sessions_closed, [False])
        self.assertEqual(seen.sockets_closed, [False])
        self.assertNotIn("cleanup", seen.events)
        self.assertTrue(
            any("Unclosed client session" in text for text in seen.resource_warnings),
            seen.resource_warnings,
        )


class TestStartupHandlersAndCleanupContexts(unittest.TestCase):
    def test_cleanup_context_entered_before_the_failure_is_exited(self) -> None:
        events: list[str] = []

        class Case(aiotest.AioHTTPTestCase):
            async def get_application(self) -> web.Application:
                app = web.Application()

                async def resource(app: web.Application) -> Any:
                    events.append("enter")
                    yield
                    events.append("exit")

                async def fail(app: web.Application) -> None:
                    raise SetupFailed("on_startup")

                app.cleanup_ctx.append(resource)
                app.on_startup.append(fail)
                return app

            async def test_never_runs(self) -> None:
                events.append("test ran")

        result = unittest.TestResult()
        Case("test_never_runs").run(result)
        self.assertEqual(len(result.errors), 1)
        self.assertIn("SetupFailed: on_startup", result.errors[0][1])
        self.assertEqual(events, ["enter", "exit"])


if __name__ == "__main__":
    unittest.main()

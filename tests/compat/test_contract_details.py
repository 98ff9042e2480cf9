"""Details of aiohttp.test_utils that its own tests rely on: exact messages, marker values,
URL rules, ports before and after a run, socket factories and the connection retry."""

from __future__ import annotations

import asyncio
import socket
import unittest
from types import ModuleType
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

from aiotest import _compat

from .._support import hello, make_app
from . import load_tests_for


def _recording_factory(tu: ModuleType, calls: list[tuple[Any, ...]]) -> Any:
    """A socket factory that notes its arguments and lets the module's helper bind."""

    def factory(*args: Any) -> socket.socket:
        calls.append(args)
        sock: socket.socket = tu.get_port_socket(*args)
        return sock

    return factory


def make_suite(tu: ModuleType) -> list[type[unittest.TestCase]]:
    class MessagesAndMarkersTest(unittest.IsolatedAsyncioTestCase):
        async def test_client_type_error_is_aiohttps_text(self) -> None:
            for wrong in ("string", 42, make_app()):
                with self.subTest(argument=type(wrong).__name__):
                    with self.assertRaises(TypeError) as caught:
                        tu.TestClient(wrong)
                    self.assertEqual(
                        str(caught.exception),
                        f"server must be TestServer instance, found type: {type(wrong)!r}",
                    )

        async def test_plain_with_is_refused_with_aiohttps_text(self) -> None:
            server = tu.TestServer(make_app())
            client = tu.TestClient(tu.TestServer(make_app()))
            try:
                for target in (server, client):
                    with self.subTest(target=type(target).__name__):
                        with self.assertRaises(TypeError) as caught, target:
                            pass
                        self.assertTrue(
                            str(caught.exception).startswith("Use async with instead"),
                            str(caught.exception),
                        )
            finally:
                await client.close()

        async def test_mocked_coro_without_a_value_gives_the_not_given_marker(self) -> None:
            marker = await tu.make_mocked_coro()()
            self.assertIsNotNone(marker)
            self.assertIs(await tu.make_mocked_coro()(), marker)
            # It is the marker for "not given": passing it as the exception raises nothing.
            self.assertIs(await tu.make_mocked_coro(raise_exception=marker)(), marker)
            self.assertEqual(await tu.make_mocked_coro(7, raise_exception=marker)(), 7)

        async def test_mocked_coro_awaits_an_awaitable_value_and_gives_none(self) -> None:
            loop = asyncio.get_running_loop()
            done: asyncio.Future[str] = loop.create_future()
            done.set_result("result")
            self.assertIsNone(await tu.make_mocked_coro(done)())
            failed: asyncio.Future[str] = loop.create_future()
            failed.set_exception(KeyError("from the awaitable"))
            with self.assertRaises(KeyError):
                await tu.make_mocked_coro(failed)()

        async def test_mocked_coro_gives_none_when_asked_to(self) -> None:
            self.assertIsNone(await tu.make_mocked_coro(None)())

    class ServerAndClientTest(unittest.IsolatedAsyncioTestCase):
        async def test_make_url_takes_str_or_url_paths_only(self) -> None:
            async with tu.TestServer(make_app()) as server:
                self.assertEqual(server.make_url(URL("/foo")), server.make_url("/foo"))
                for absolute in ("http://example.invalid", URL("http://example.invalid")):
                    with self.subTest(url=absolute), self.assertRaises(AssertionError):
                        server.make_url(absolute)

        async def test_client_port_is_none_outside_the_run(self) -> None:
            for server in (tu.TestServer(make_app()), tu.RawTestServer(hello)):
                with self.subTest(server=type(server).__name__):
                    client = tu.TestClient(server)
                    self.assertEqual(client.host, "127.0.0.1")
                    self.assertIsNone(client.port)
                    async with client:
                        self.assertIsInstance(client.port, int)
                        self.assertGreater(client.port, 0)
                        self.assertIs(client.server, server)
                    self.assertIsNone(client.port)

        async def test_use_outside_the_run_fails_an_assertion(self) -> None:
            server = tu.TestServer(make_app())
            with self.assertRaises(AssertionError):
                server.make_url("/")
            with self.assertRaises(AssertionError):
                server.handler  # noqa: B018 - the property access is what is tested
            client = tu.TestClient(tu.TestServer(make_app()))
            with self.assertRaises(AssertionError):
                client.make_url("/")
            async with client:
                self.assertEqual((await client.get("/")).status, 200)
            with self.assertRaises(AssertionError):
                await client.get("/")
            with self.assertRaises(AssertionError):
                await client.ws_connect("/")

        async def test_raw_server_client_has_no_app(self) -> None:
            async with tu.TestClient(tu.RawTestServer(hello)) as client:
                self.assertIsNone(client.app)
            app = make_app()
            async with tu.TestClient(tu.TestServer(app)) as client:
                self.assertIs(client.app, app)

        async def test_closing_a_client_never_started_twice(self) -> None:
            server = tu.TestServer(make_app())
            client = tu.TestClient(server)
            await client.close()
            await client.close()
            self.assertTrue(client.session.closed)
            self.assertFalse(server.started)

        async def test_plain_with_on_a_client_is_a_type_error(self) -> None:
            client = tu.TestClient(tu.TestServer(make_app()))
            try:
                with self.assertRaises(TypeError), client:
                    pass
            finally:
                await client.close()

        async def test_host_is_the_bound_address_after_the_run(self) -> None:
            for asked, bound in (("127.0.0.1", "127.0.0.1"), ("localhost", "127.0.0.1")):
                with self.subTest(host=asked):
                    server = tu.TestServer(make_app(), host=asked)
                    async with server:
                        pass
                    self.assertEqual(server.host, bound)

        async def test_socket_factory_makes_the_listening_socket(self) -> None:
            servers = {
                "TestServer": tu.TestServer(make_app()),
                "RawTestServer": tu.RawTestServer(hello),
            }
            for name, server in servers.items():
                calls: list[tuple[Any, ...]] = []
                server.socket_factory = _recording_factory(tu, calls)
                with self.subTest(server=name):
                    async with server:
                        self.assertEqual(len(calls), 1)
                        host, port, family = calls[0]
                        self.assertEqual((host, family), ("127.0.0.1", socket.AF_INET))
                        self.assertIn(port, (0, None))

        async def test_a_port_given_with_its_socket_is_served(self) -> None:
            sock = tu.get_unused_port_socket("127.0.0.1")
            port = sock.getsockname()[1]
            server = tu.TestServer(make_app(), port=port, socket_factory=lambda *args: sock)
            async with tu.TestClient(server) as client:
                self.assertEqual(client.server.port, port)
                resp = await client.get("/")
                self.assertEqual(await resp.text(), "Hello, world")

        async def test_a_connection_the_server_drops_fails_the_request(self) -> None:
            calls = 0

            async def drop(request: web.Request) -> web.Response:
                nonlocal calls
                calls += 1
                assert request.protocol is not None
                request.protocol.force_close()
                return web.Response()

            app = web.Application()
            app.router.add_get("/", drop)
            async with tu.TestClient(tu.TestServer(app)) as client:
                with self.assertRaises(aiohttp.ServerDisconnectedError):
                    await client.get("/")
            # The failure is not hidden by a retry, where aiohttp lets a session turn it off.
            self.assertEqual(calls, 1 if _compat.CAN_DISABLE_CONNECTION_RETRY else 2)

    class MissingApplicationTest(unittest.TestCase):
        def test_a_case_without_an_application_errors_with_runtime_error(self) -> None:
            class NoApp(tu.AioHTTPTestCase):  # type: ignore[name-defined,misc]
                def test_noop(self) -> None:
                    pass

            result = unittest.TestResult()
            NoApp("test_noop").run(result)
            self.assertEqual(result.testsRun, 1)
            [(_, report)] = result.errors
            self.assertIn("RuntimeError", report)

    return [MessagesAndMarkersTest, ServerAndClientTest, MissingApplicationTest]


load_tests = load_tests_for(make_suite)

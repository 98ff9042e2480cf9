"""BaseTestServer, TestServer and RawTestServer: start, close, URLs, hosts and sockets."""

from __future__ import annotations

import asyncio
import gc
import re
import socket
import threading
import unittest
import warnings
import weakref

import aiohttp
from aiohttp import web
from yarl import URL

import aiotest
from aiotest._messages import SERVER_NOT_STARTED, USE_ASYNC_WITH
from aiotest._server import live_servers

from ._support import assert_refused, hello, make_app


class SocketFactorySpy:
    """A socket factory that records its arguments and binds port 0 whatever it is asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, socket.AddressFamily]] = []
        self.sockets: list[socket.socket] = []

    def __call__(self, host: str, port: int, family: socket.AddressFamily) -> socket.socket:
        self.calls.append((host, port, family))
        sock = aiotest.get_port_socket(host, 0, family)
        self.sockets.append(sock)
        return sock


class TestServerLifecycle(unittest.IsolatedAsyncioTestCase):
    async def test_not_started_before_start_server(self) -> None:
        server = aiotest.TestServer(make_app())
        self.assertFalse(server.started)
        self.assertFalse(server.closed)
        self.assertIsNone(server.port)
        self.assertIsNone(server.runner)

    async def test_start_server_binds_port_0_once_and_serves(self) -> None:
        spy = SocketFactorySpy()
        server = aiotest.TestServer(make_app(), socket_factory=spy)
        await server.start_server()
        try:
            self.assertEqual(spy.calls, [("127.0.0.1", 0, socket.AF_INET)])
            self.assertTrue(server.started)
            self.assertEqual(server.port, spy.sockets[0].getsockname()[1])
            self.assertEqual(server.scheme, "http")
            async with (
                aiohttp.ClientSession() as session,
                session.get(server.make_url("/")) as response,
            ):
                self.assertEqual(await response.text(), "Hello, world")
        finally:
            await server.close()

    async def test_start_server_is_idempotent(self) -> None:
        spy = SocketFactorySpy()
        server = aiotest.TestServer(make_app(), socket_factory=spy)
        await server.start_server()
        runner, port = server.runner, server.port
        await server.start_server()
        try:
            self.assertEqual(len(spy.calls), 1, "the second start_server() bound again")
            self.assertIs(server.runner, runner)
            self.assertEqual(server.port, port)
        finally:
            await server.close()

    async def test_given_port_goes_to_the_socket_factory(self) -> None:
        spy = SocketFactorySpy()
        server = aiotest.TestServer(make_app(), port=1234, socket_factory=spy)
        await server.start_server()
        try:
            self.assertEqual(spy.calls, [("127.0.0.1", 1234, socket.AF_INET)])
            # The port is read back from the bound socket, not copied from the argument.
            self.assertEqual(server.port, spy.sockets[0].getsockname()[1])
        finally:
            await server.close()

    async def test_given_port_is_bound(self) -> None:
        # Holding a bound, non-listening SO_REUSEADDR socket reserves the port for this test
        # without probing: nothing else can take it, and the server can still bind it.
        reserved = aiotest.get_unused_port_socket("127.0.0.1")
        self.addCleanup(reserved.close)
        port = reserved.getsockname()[1]
        async with aiotest.TestServer(make_app(), port=port) as server:
            self.assertEqual(server.port, port)
            self.assertEqual(server.make_url("/"), URL(f"http://127.0.0.1:{port}/"))
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"http://127.0.0.1:{port}/") as response,
            ):
                self.assertEqual(response.status, 200)

    async def test_close_stops_listening_and_is_idempotent(self) -> None:
        cleanups: list[str] = []
        app = make_app()

        async def on_cleanup(app: web.Application) -> None:
            cleanups.append("cleanup")

        app.on_cleanup.append(on_cleanup)
        server = aiotest.TestServer(app)
        await server.start_server()
        port = server.port
        assert port is not None
        await server.close()
        self.assertTrue(server.closed)
        self.assertIsNone(server.port)
        await assert_refused(self, "127.0.0.1", port)
        await server.close()
        self.assertEqual(cleanups, ["cleanup"], "on_cleanup must run exactly once")

    async def test_close_before_start_does_nothing(self) -> None:
        server = aiotest.TestServer(make_app())
        await server.close()
        self.assertFalse(server.started)
        self.assertFalse(server.closed)

    async def test_async_with_starts_and_closes(self) -> None:
        server = aiotest.TestServer(make_app())
        async with server as entered:
            self.assertIs(entered, server)
            self.assertTrue(server.started)
            port = server.port
            assert port is not None
        self.assertTrue(server.closed)
        await assert_refused(self, "127.0.0.1", port)

    async def test_plain_with_raises_type_error(self) -> None:
        server = aiotest.TestServer(make_app())
        with self.assertRaises(TypeError) as caught, server:
            pass
        self.assertEqual(str(caught.exception), USE_ASYNC_WITH)
        self.assertFalse(server.started)

    async def test_handler_is_the_low_level_server(self) -> None:
        server = aiotest.TestServer(make_app())
        with self.assertRaisesRegex(RuntimeError, re.escape(SERVER_NOT_STARTED)):
            server.handler  # noqa: B018 - the property access is what is tested
        async with server:
            self.assertIsInstance(server.handler, web.Server)


class TestServerUrls(unittest.IsolatedAsyncioTestCase):
    async def test_make_url_is_absolute(self) -> None:
        async with aiotest.TestServer(make_app()) as server:
            url = server.make_url("/path/to?x=1")
            self.assertTrue(url.absolute)
            self.assertEqual(url, URL(f"http://127.0.0.1:{server.port}/path/to?x=1"))
            self.assertEqual(server.make_url(URL("/a")), URL(f"http://127.0.0.1:{server.port}/a"))

    async def test_make_url_refuses_an_absolute_url(self) -> None:
        async with aiotest.TestServer(make_app()) as server:
            with self.assertRaisesRegex(AssertionError, "not the absolute URL"):
                server.make_url("http://example.com/")

    async def test_skip_url_asserts_concatenates(self) -> None:
        async with aiotest.TestServer(make_app(), skip_url_asserts=True) as server:
            self.assertEqual(
                str(server.make_url("/raw%2Fpath")), f"http://127.0.0.1:{server.port}/raw%2Fpath"
            )

    async def test_make_url_before_start_says_so(self) -> None:
        server = aiotest.TestServer(make_app())
        with self.assertRaisesRegex(RuntimeError, re.escape(SERVER_NOT_STARTED)):
            server.make_url("/")

    async def test_explicit_scheme_is_kept(self) -> None:
        async with aiotest.TestServer(make_app(), scheme="http") as server:
            self.assertEqual(server.make_url("/").scheme, "http")


class TestServerHosts(unittest.IsolatedAsyncioTestCase):
    async def _get_root(self, server: aiotest.BaseTestServer) -> str:
        async with (
            aiohttp.ClientSession() as session,
            session.get(server.make_url("/")) as response,
        ):
            self.assertEqual(response.status, 200)
            return await response.text()

    async def test_localhost(self) -> None:
        spy = SocketFactorySpy()
        async with aiotest.TestServer(make_app(), host="localhost", socket_factory=spy) as server:
            self.assertEqual(spy.calls, [("localhost", 0, socket.AF_INET)])
            self.assertEqual(server.make_url("/"), URL(f"http://localhost:{server.port}/"))
            self.assertEqual(await self._get_root(server), "Hello, world")

    async def test_ipv6_loopback(self) -> None:
        spy = SocketFactorySpy()
        async with aiotest.TestServer(make_app(), host="::1", socket_factory=spy) as server:
            self.assertEqual(spy.calls, [("::1", 0, socket.AF_INET6)])
            self.assertEqual(str(server.make_url("/")), f"http://[::1]:{server.port}/")
            self.assertEqual(await self._get_root(server), "Hello, world")
            port = server.port
            assert port is not None
        await assert_refused(self, "::1", port)


class TestServerStartFailure(unittest.IsolatedAsyncioTestCase):
    async def test_socket_factory_failure_cleans_up_the_application(self) -> None:
        cleanups: list[str] = []
        app = make_app()

        async def on_cleanup(app: web.Application) -> None:
            cleanups.append("cleanup")

        app.on_cleanup.append(on_cleanup)

        def refuse(host: str, port: int, family: socket.AddressFamily) -> socket.socket:
            raise OSError("address in use")

        server = aiotest.TestServer(app, socket_factory=refuse)
        with self.assertRaisesRegex(OSError, "address in use"):
            await server.start_server()
        self.assertEqual(cleanups, ["cleanup"])
        self.assertTrue(server.closed)
        await server.close()
        self.assertEqual(cleanups, ["cleanup"], "close() after a failed start ran cleanup again")

    async def test_bind_failure_on_a_listening_port(self) -> None:
        async with aiotest.TestServer(make_app()) as first:
            second = aiotest.TestServer(make_app(), port=first.port)
            with self.assertRaises(OSError):
                await second.start_server()
            self.assertTrue(second.closed)


class LiveServersTest(unittest.IsolatedAsyncioTestCase):
    """live_servers(): the aiotest servers started and not yet closed, in start order."""

    def mine(self, *servers: aiotest.BaseTestServer) -> list[aiotest.BaseTestServer]:
        # Other tests in this process may have servers of their own running.
        return [server for server in live_servers() if any(server is s for s in servers)]

    async def test_started_servers_are_listed_in_start_order_until_closed(self) -> None:
        first = aiotest.TestServer(make_app())
        second = aiotest.RawTestServer(hello)
        third = aiotest.TestServer(make_app())
        self.assertEqual(self.mine(first, second, third), [])
        await second.start_server()
        await first.start_server()
        await third.start_server()
        await first.start_server()  # a second start changes nothing
        self.assertEqual(self.mine(first, second, third), [second, first, third])
        await first.close()
        self.assertEqual(self.mine(first, second, third), [second, third])
        await second.close()
        await third.close()
        await third.close()
        self.assertEqual(self.mine(first, second, third), [])

    async def test_servers_started_through_a_client_or_async_with_count(self) -> None:
        server = aiotest.TestServer(make_app())
        async with aiotest.TestClient(server) as client, aiotest.RawTestServer(hello) as raw:
            self.assertEqual(self.mine(client.server, raw), [server, raw])
        self.assertEqual(self.mine(server, raw), [])

    async def test_a_server_whose_start_fails_is_not_listed(self) -> None:
        def refuse(host: str, port: int, family: socket.AddressFamily) -> socket.socket:
            raise OSError("address in use")

        async def failing_startup(app: web.Application) -> None:
            raise LookupError("startup failed")

        app = make_app()
        app.on_startup.append(failing_startup)
        refused = aiotest.TestServer(make_app(), socket_factory=refuse)
        broken = aiotest.TestServer(app)
        with self.assertRaises(OSError):
            await refused.start_server()
        with self.assertRaises(LookupError):
            await broken.start_server()
        self.assertEqual(self.mine(refused, broken), [])

    async def test_a_dropped_server_is_not_kept_alive(self) -> None:
        server = aiotest.TestServer(make_app())
        await server.start_server()
        self.assertEqual(self.mine(server), [server])
        runner = server.runner
        assert runner is not None
        dropped = weakref.ref(server)
        del server
        gc.collect()
        try:
            self.assertIsNone(dropped(), "the registry kept a dropped server alive")
        finally:
            await runner.cleanup()

    async def test_servers_on_another_threads_loop_are_listed(self) -> None:
        started = threading.Event()
        release = threading.Event()
        servers: list[aiotest.BaseTestServer] = []

        def serve() -> None:
            async def main() -> None:
                async with aiotest.RawTestServer(hello) as server:
                    servers.append(server)
                    started.set()
                    await asyncio.to_thread(release.wait)

            asyncio.run(main())

        thread = threading.Thread(target=serve)
        thread.start()
        try:
            await asyncio.to_thread(started.wait, 30)
            self.assertEqual(len(servers), 1)
            self.assertEqual(self.mine(*servers), servers)
        finally:
            release.set()
            await asyncio.to_thread(thread.join)
        self.assertEqual(self.mine(*servers), [])


class TestRawTestServer(unittest.IsolatedAsyncioTestCase):
    async def test_serves_a_bare_handler(self) -> None:
        seen: list[str] = []

        async def handler(request: web.BaseRequest) -> web.Response:
            seen.append(request.path)
            return web.Response(text="raw")

        async with (
            aiotest.RawTestServer(handler) as server,
            aiohttp.ClientSession() as session,
            session.get(server.make_url("/any/path")) as response,
        ):
            self.assertEqual(await response.text(), "raw")
        self.assertEqual(seen, ["/any/path"])

    async def test_handler_error_gives_500_with_traceback(self) -> None:
        async def handler(request: web.BaseRequest) -> web.Response:
            raise ValueError("raw handler failed")

        with self.assertLogs("aiohttp.server", "ERROR") as logged:
            async with (
                aiotest.RawTestServer(handler) as server,
                aiohttp.ClientSession() as session,
                session.get(server.make_url("/")) as response,
            ):
                self.assertEqual(response.status, 500)
                self.assertIn("raw handler failed", await response.text())
        self.assertIn("raw handler failed", "\n".join(logged.output))

    async def test_close_stops_listening(self) -> None:
        server = aiotest.RawTestServer(hello)
        await server.start_server()
        port = server.port
        assert port is not None
        await server.close()
        await server.close()
        await assert_refused(self, "127.0.0.1", port)


class TestPortHelpers(unittest.TestCase):
    def test_get_port_socket_binds_the_requested_address(self) -> None:
        with aiotest.get_port_socket("127.0.0.1", 0, socket.AF_INET) as sock:
            host, port = sock.getsockname()
            self.assertEqual(host, "127.0.0.1")
            self.assertGreater(port, 0)
            self.assertEqual(sock.type, socket.SOCK_STREAM)

    def test_get_port_socket_closes_the_socket_when_bind_fails(self) -> None:
        gc.collect()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with self.assertRaises(OSError):
                # 192.0.2.1 (TEST-NET-1) is never a local address.
                aiotest.get_port_socket("192.0.2.1", 0, socket.AF_INET)
            gc.collect()
        leaks = [w for w in caught if issubclass(w.category, ResourceWarning)]
        self.assertEqual(leaks, [])

    def test_get_unused_port_socket_ipv6(self) -> None:
        with aiotest.get_unused_port_socket("::1", socket.AF_INET6) as sock:
            self.assertEqual(sock.family, socket.AF_INET6)
            self.assertGreater(sock.getsockname()[1], 0)

    def test_unused_port_returns_a_port_number(self) -> None:
        port = aiotest.unused_port()
        self.assertIsInstance(port, int)
        self.assertGreater(port, 0)

    def test_server_classes_are_not_collected_by_pytest(self) -> None:
        for cls in (aiotest.BaseTestServer, aiotest.TestServer, aiotest.RawTestServer):
            self.assertIs(cls.__test__, False)


if __name__ == "__main__":
    unittest.main()

"""TCPProxy: forwarding, delays, processors and faults, with real sockets on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
import time
import unittest
from collections.abc import Callable
from typing import Any, ClassVar

import aiohttp
import uvloop
from aiohttp import web

import aiotest
from aiotest import TCPProxy
from aiotest._messages import (
    PROXY_DELAY_NEGATIVE,
    PROXY_NOT_STARTED,
    PROXY_PORT_NOT_AN_INT,
    PROXY_PORT_OUT_OF_RANGE,
)


class EchoServer:
    """A TCP echo server on loopback that records what reached it."""

    def __init__(self) -> None:
        self.received = bytearray()
        self.connections = 0
        self.ends: list[str] = []
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[Any]] = set()
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self.connections += 1
        try:
            while chunk := await reader.read(65536):
                self.received += chunk
                writer.write(chunk)
                await writer.drain()
            self.ends.append("eof")
        except ConnectionResetError:
            self.ends.append("reset")
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            self._handlers.discard(task)

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        if self._handlers:
            await asyncio.wait(self._handlers, timeout=2)
        await self._server.wait_closed()


def refused_port() -> tuple[socket.socket, int]:
    """A bound socket that does not listen: connecting to its port is refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    return sock, port


class ProxyTestCase(aiotest.AsyncTestCase):
    """Each test gets an echo server and a started proxy in front of it."""

    # Leaked tasks, transports or servers, loop exceptions and get_event_loop() all fail.
    strict = True
    forbid_get_event_loop = True
    buffered: ClassVar[bool] = True

    async def asyncSetUp(self) -> None:
        self.echo = EchoServer()
        await self.echo.start()
        self.addAsyncCleanup(self.echo.close)
        self.proxy = TCPProxy("127.0.0.1", self.echo.port, buffered=self.buffered)
        await self.proxy.start()
        self.addAsyncCleanup(self.proxy.close)

    async def round_trip(self, payload: bytes, timeout: float = 2.0) -> bytes:
        reader, writer = await self.proxy.create_client()
        try:
            writer.write(payload)
            return await asyncio.wait_for(reader.readexactly(len(payload)), timeout)
        finally:
            writer.close()
            await writer.wait_closed()


class ForwardingTests(ProxyTestCase):
    async def test_bytes_arrive_intact_both_ways(self) -> None:
        payload = os.urandom(1024 * 1024)
        self.assertEqual(await self.round_trip(payload), payload)
        self.assertEqual(bytes(self.echo.received), payload)

    async def test_many_small_writes_keep_their_order(self) -> None:
        reader, writer = await self.proxy.create_client()
        parts = [f"part {i};".encode() for i in range(200)]
        for part in parts:
            writer.write(part)
            await writer.drain()
        expected = b"".join(parts)
        self.assertEqual(await asyncio.wait_for(reader.readexactly(len(expected)), 2), expected)

    async def test_port_is_bound_at_start_and_released_at_close(self) -> None:
        proxy = TCPProxy("127.0.0.1", self.echo.port)
        with self.assertRaisesRegex(RuntimeError, "not started"):
            proxy.proxy_port  # noqa: B018 - the property access is what raises
        self.assertFalse(proxy.started)
        await proxy.start()
        port = proxy.proxy_port
        self.assertNotEqual(port, 0)
        await proxy.start()  # a second start does nothing
        self.assertEqual(proxy.proxy_port, port)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"direct")
        self.assertEqual(await reader.readexactly(6), b"direct")
        writer.close()
        await writer.wait_closed()
        await proxy.close()
        await proxy.close()  # idempotent
        self.assertFalse(proxy.started)
        with self.assertRaises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", port)

    async def test_async_with_starts_and_closes(self) -> None:
        async with TCPProxy("127.0.0.1", self.echo.port) as proxy:
            reader, writer = await proxy.create_client()
            writer.write(b"ping")
            self.assertEqual(await reader.readexactly(4), b"ping")
        self.assertFalse(proxy.started)
        # The client made by create_client() was closed with the proxy.
        self.assertTrue(writer.is_closing())
        self.assertEqual(await asyncio.wait_for(reader.read(), 1), b"")

    async def test_clients_lists_live_connections(self) -> None:
        self.assertEqual(self.proxy.clients, set())
        reader, writer = await self.proxy.create_client()
        writer.write(b"x")
        await reader.readexactly(1)
        self.assertEqual(len(self.proxy.clients), 1)
        (connection,) = self.proxy.clients
        self.assertIsNotNone(connection.server_writer)
        writer.close()
        await writer.wait_closed()
        for _ in range(100):
            if not self.proxy.clients:
                break
            await asyncio.sleep(0.01)
        self.assertEqual(self.proxy.clients, set())
        self.assertEqual(self.echo.ends, ["eof"])

    async def test_make_url_points_at_the_proxy(self) -> None:
        url = self.proxy.make_url("/path?q=1")
        self.assertEqual(str(url), f"http://127.0.0.1:{self.proxy.proxy_port}/path?q=1")
        self.assertEqual(self.proxy.make_url("/", scheme="https").scheme, "https")

    async def test_ipv6_listen_host(self) -> None:
        async with TCPProxy("127.0.0.1", self.echo.port, listen_host="::1") as proxy:
            self.assertEqual(proxy.make_url("/a").host, "::1")
            self.assertTrue(str(proxy.make_url("/a")).startswith("http://[::1]:"))
            reader, writer = await proxy.create_client()
            writer.write(b"six")
            self.assertEqual(await reader.readexactly(3), b"six")

    async def test_target_where_nothing_listens_ends_the_connection_promptly(self) -> None:
        placeholder, port = refused_port()
        self.addCleanup(placeholder.close)
        async with TCPProxy("127.0.0.1", port) as proxy:
            reader, writer = await proxy.create_client()
            writer.write(b"anyone?")
            # EOF, well within the bound: the proxy does not leave the client hanging.
            self.assertEqual(await asyncio.wait_for(reader.read(), 2), b"")
            for _ in range(100):
                if not proxy.clients:
                    break
                await asyncio.sleep(0.01)
            self.assertEqual(proxy.clients, set())

    async def test_unbuffered_connections_hold_no_bytes(self) -> None:
        for buffered in (False, True):
            async with TCPProxy("127.0.0.1", self.echo.port, buffered=buffered) as proxy:
                reader, writer = await proxy.create_client()
                writer.write(b"x")
                await reader.readexactly(1)
                (connection,) = proxy.clients
                assert connection.server_writer is not None
                for out in (connection.client_writer, connection.server_writer):
                    limits = out.transport.get_write_buffer_limits()
                    with self.subTest(buffered=buffered):
                        # Unbuffered: every write waits until the kernel took the bytes.
                        self.assertEqual(limits == (0, 0), not buffered)


class UnbufferedForwardingTests(ForwardingTests):
    """Every forwarding test again, through a proxy that holds no bytes of its own."""

    buffered = False


class DelayTests(ProxyTestCase):
    async def test_slowdown_adds_both_delays_to_a_round_trip(self) -> None:
        with self.proxy.slowdown(0.1, 0.2):
            started = time.monotonic()
            self.assertEqual(await self.round_trip(b"Hello world"), b"Hello world")
            elapsed = time.monotonic() - started
        self.assertGreaterEqual(elapsed, 0.3)
        self.assertLess(elapsed, 2.0)

    async def test_slowdown_restores_the_previous_delays(self) -> None:
        self.proxy.set_delay(0.01, 0.02)
        with self.proxy.slowdown(0.5, 0.6):
            self.assertEqual((self.proxy.read_delay, self.proxy.write_delay), (0.5, 0.6))
        self.assertEqual((self.proxy.read_delay, self.proxy.write_delay), (0.01, 0.02))
        with contextlib.suppress(KeyError), self.proxy.slowdown(0.5):
            raise KeyError
        self.assertEqual((self.proxy.read_delay, self.proxy.write_delay), (0.01, 0.02))

    async def test_a_delay_slows_only_its_direction(self) -> None:
        for read_delay, write_delay in ((0.2, 0), (0, 0.2)):
            with self.subTest(read=read_delay, write=write_delay):
                self.proxy.set_delay(read_delay, write_delay)
                started = time.monotonic()
                await self.round_trip(b"abc")
                self.assertGreaterEqual(time.monotonic() - started, 0.2)
        self.proxy.set_delay(0)
        started = time.monotonic()
        await self.round_trip(b"abc")
        self.assertLess(time.monotonic() - started, 0.2)

    async def test_delays_apply_to_a_live_connection(self) -> None:
        reader, writer = await self.proxy.create_client()
        writer.write(b"warm")
        await reader.readexactly(4)
        self.proxy.set_delay(0.1, 0.1)
        started = time.monotonic()
        writer.write(b"slow")
        await asyncio.wait_for(reader.readexactly(4), 2)
        self.assertGreaterEqual(time.monotonic() - started, 0.2)

    async def test_shortening_a_delay_releases_a_waiting_chunk(self) -> None:
        reader, writer = await self.proxy.create_client()
        self.proxy.set_delay(30)
        started = time.monotonic()
        writer.write(b"stuck")
        echoed = asyncio.ensure_future(reader.readexactly(5))
        done, _ = await asyncio.wait({echoed}, timeout=0.1)
        self.assertEqual(done, set())
        self.proxy.set_delay(0)
        self.assertEqual(await asyncio.wait_for(echoed, 2), b"stuck")
        self.assertLess(time.monotonic() - started, 5)

    async def test_negative_or_nan_delay_is_a_value_error(self) -> None:
        self.proxy.set_delay(0.01, 0.02)
        for args, bad in (((-1,), -1), ((0, -0.5), -0.5), ((float("nan"),), float("nan"))):
            with self.subTest(args=args), self.assertRaises(ValueError) as caught:
                self.proxy.set_delay(*args)
            self.assertEqual(str(caught.exception), PROXY_DELAY_NEGATIVE.format(value=bad))
        with self.assertRaises(ValueError), self.proxy.slowdown(-0.1):
            pass  # pragma: no cover - slowdown raises on entry
        self.assertEqual((self.proxy.read_delay, self.proxy.write_delay), (0.01, 0.02))


class ProcessorTests(ProxyTestCase):
    async def test_processors_rewrite_both_directions(self) -> None:
        self.proxy.set_content_processors(lambda _: b"Never say hello", lambda chunk: chunk[::-1])
        reader, writer = await self.proxy.create_client()
        writer.write(b"Hello world")
        self.assertEqual(await asyncio.wait_for(reader.readexactly(15), 2), b"olleh yas reveN")
        self.assertEqual(bytes(self.echo.received), b"Never say hello")

    async def test_async_processors_and_none_pass_through(self) -> None:
        async def upper(chunk: bytes) -> bytes:
            await asyncio.sleep(0)
            return chunk.upper()

        self.proxy.set_content_processors(upper, None)
        self.assertEqual(await self.round_trip(b"quiet"), b"QUIET")
        self.proxy.set_content_processors(None, upper)
        self.assertEqual(await self.round_trip(b"later"), b"LATER")
        self.assertEqual(bytes(self.echo.received), b"QUIETlater")
        self.proxy.set_content_processors(None, None)
        self.assertEqual(await self.round_trip(b"plain"), b"plain")

    async def test_processors_apply_to_a_live_connection(self) -> None:
        reader, writer = await self.proxy.create_client()
        writer.write(b"one")
        self.assertEqual(await reader.readexactly(3), b"one")
        self.proxy.set_content_processors(None, lambda chunk: chunk + b"!")
        writer.write(b"two")
        self.assertEqual(await asyncio.wait_for(reader.readexactly(4), 2), b"two!")

    async def test_a_processor_returning_nothing_drops_the_chunk(self) -> None:
        self.proxy.set_content_processors(lambda _: b"", None)
        reader, writer = await self.proxy.create_client()
        writer.write(b"dropped")
        with self.assertRaises(asyncio.TimeoutError):
            await asyncio.wait_for(reader.read(1), 0.1)
        self.assertEqual(bytes(self.echo.received), b"")


class ProcessorErrorTests(aiotest.AsyncTestCase):
    """A failing processor goes to the loop's exception handler; no strict mode here."""

    async def test_a_failing_processor_resets_and_is_reported(self) -> None:
        reported: list[dict[str, Any]] = []
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _, context: reported.append(context))
        self.addCleanup(loop.set_exception_handler, None)
        echo = EchoServer()
        await echo.start()
        self.addAsyncCleanup(echo.close)

        def broken(chunk: bytes) -> bytes:
            raise ZeroDivisionError("processor bug")

        async def returns_text(chunk: bytes) -> Any:
            return chunk.decode()

        cases = ((broken, ZeroDivisionError), (returns_text, TypeError))
        for processor, error in cases:
            with self.subTest(error=error.__name__):
                reported.clear()
                async with TCPProxy("127.0.0.1", echo.port) as proxy:
                    proxy.set_content_processors(processor, None)
                    reader, writer = await proxy.create_client()
                    writer.write(b"data")
                    with self.assertRaises(ConnectionResetError):
                        await asyncio.wait_for(reader.read(10), 2)
                self.assertEqual(len(reported), 1)
                self.assertIsInstance(reported[0]["exception"], error)
                self.assertIn("'read' content processor", reported[0]["message"])


class DisconnectTests(ProxyTestCase):
    async def test_disconnect_all_gives_eof_and_empties_clients(self) -> None:
        reader, writer = await self.proxy.create_client()
        writer.write(b"Hello world")
        self.assertEqual(await asyncio.wait_for(reader.readexactly(11), 1), b"Hello world")
        self.assertFalse(reader.at_eof())
        await self.proxy.disconnect_all()
        self.assertEqual(self.proxy.clients, set())
        self.assertEqual(await asyncio.wait_for(reader.read(), 1), b"")
        self.assertTrue(reader.at_eof())
        # The proxy still accepts new connections.
        self.assertEqual(await self.round_trip(b"again"), b"again")

    async def test_a_connection_can_be_closed_alone(self) -> None:
        first_reader, first_writer = await self.proxy.create_client()
        second_reader, second_writer = await self.proxy.create_client()
        for reader, writer in ((first_reader, first_writer), (second_reader, second_writer)):
            writer.write(b"hi")
            await reader.readexactly(2)
        first = next(
            c
            for c in self.proxy.clients
            if c.client_writer.get_extra_info("peername") == first_writer.get_extra_info("sockname")
        )
        await first.close()
        self.assertEqual(await asyncio.wait_for(first_reader.read(), 1), b"")
        second_writer.write(b"still")
        self.assertEqual(await asyncio.wait_for(second_reader.readexactly(5), 1), b"still")
        self.assertEqual(len(self.proxy.clients), 1)


class FaultTests(ProxyTestCase):
    async def test_reset_all_resets_every_connection(self) -> None:
        streams = [await self.proxy.create_client() for _ in range(3)]
        for reader, writer in streams:
            writer.write(b"ok")
            await reader.readexactly(2)
        await self.proxy.reset_all()
        self.assertEqual(self.proxy.clients, set())
        for reader, _ in streams:
            # What a client of a reset connection really sees.
            with self.assertRaises(ConnectionResetError):
                await asyncio.wait_for(reader.read(10), 1)
        for _ in range(100):
            if len(self.echo.ends) == 3:
                break
            await asyncio.sleep(0.01)
        self.assertEqual(self.echo.ends, ["reset"] * 3)

    async def test_blackhole_accepts_bytes_and_never_answers(self) -> None:
        with self.proxy.blackhole():
            self.assertTrue(self.proxy.blackholed)
            reader, writer = await self.proxy.create_client()
            writer.write(b"x" * 200_000)
            await asyncio.wait_for(writer.drain(), 2)  # the bytes are taken...
            with self.assertRaises(asyncio.TimeoutError):  # ...and nothing comes back
                await asyncio.wait_for(reader.read(1), 0.2)
            self.assertEqual(self.echo.connections, 0)
        self.assertFalse(self.proxy.blackholed)
        # Once the blackhole is off, new connections go through again.
        self.assertEqual(await self.round_trip(b"back"), b"back")

    async def test_blackhole_catches_live_connections(self) -> None:
        reader, writer = await self.proxy.create_client()
        writer.write(b"before")
        self.assertEqual(await reader.readexactly(6), b"before")
        self.proxy.set_blackhole(True)
        self.assertTrue(all(c.blackholed for c in self.proxy.clients))
        writer.write(b"during")
        with self.assertRaises(asyncio.TimeoutError):
            await asyncio.wait_for(reader.read(1), 0.2)
        self.assertEqual(bytes(self.echo.received), b"before")
        self.proxy.set_blackhole(False)
        # The connection it caught stays blackholed: its bytes are gone for good.
        writer.write(b"after")
        with self.assertRaises(asyncio.TimeoutError):
            await asyncio.wait_for(reader.read(1), 0.1)
        self.assertEqual(await self.round_trip(b"fresh"), b"fresh")

    async def test_refusing_keeps_live_connections(self) -> None:
        reader, writer = await self.proxy.create_client()
        writer.write(b"a")
        await reader.readexactly(1)
        port = self.proxy.proxy_port
        async with self.proxy.refuse_connections():
            self.assertTrue(self.proxy.refusing)
            with self.assertRaises(ConnectionRefusedError):
                await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"b")
            self.assertEqual(await asyncio.wait_for(reader.readexactly(1), 1), b"b")
        self.assertFalse(self.proxy.refusing)
        self.assertEqual(self.proxy.proxy_port, port)
        self.assertEqual(await self.round_trip(b"accepted"), b"accepted")

    async def test_refusing_needs_a_started_proxy(self) -> None:
        proxy = TCPProxy("127.0.0.1", self.echo.port)
        with self.assertRaisesRegex(RuntimeError, PROXY_NOT_STARTED.split(";")[0]):
            await proxy.set_refusing(True)

    async def test_close_while_refusing_releases_the_port(self) -> None:
        await self.proxy.set_refusing(True)
        port = self.proxy.proxy_port
        await self.proxy.close()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))  # nothing holds the port any more

    async def test_close_ends_connections_and_leaves_no_task(self) -> None:
        before = asyncio.all_tasks()
        proxy = TCPProxy("127.0.0.1", self.echo.port)
        await proxy.start()
        streams = [await proxy.create_client() for _ in range(3)]
        for reader, writer in streams:
            writer.write(b"z")
            await reader.readexactly(1)
        with proxy.blackhole():
            streams.append(await proxy.create_client())
        proxy.set_delay(10, 10)
        streams[0][1].write(b"waiting in a delay")
        await asyncio.sleep(0.05)
        self.assertEqual(len(proxy.clients), 4)
        await asyncio.wait_for(proxy.close(), 3)
        self.assertEqual(proxy.clients, set())
        for reader, writer in streams:
            self.assertTrue(writer.is_closing())
            self.assertEqual(await asyncio.wait_for(reader.read(), 1), b"")
        self.assertEqual(asyncio.all_tasks() - before, set())


class TargetPortTests(unittest.TestCase):
    """The target port is checked when the proxy is made, as a server's own port would be."""

    def test_a_port_that_is_not_an_int_is_refused(self) -> None:
        for port in ("x", "8080", 80.0, True, None):
            with self.subTest(port=port), self.assertRaises(TypeError) as caught:
                TCPProxy("127.0.0.1", port)  # type: ignore[arg-type]
            self.assertEqual(
                str(caught.exception),
                PROXY_PORT_NOT_AN_INT.format(type_name=type(port).__name__, value=port),
            )

    def test_a_port_out_of_range_is_refused(self) -> None:
        for port in (70000, 65536, 0, -1):
            with self.subTest(port=port), self.assertRaises(ValueError) as caught:
                TCPProxy("127.0.0.1", port)
            self.assertEqual(str(caught.exception), PROXY_PORT_OUT_OF_RANGE.format(value=port))

    def test_every_port_number_is_accepted(self) -> None:
        for port in (1, 8080, 65535):
            with self.subTest(port=port):
                self.assertEqual(TCPProxy("127.0.0.1", port).target_port, port)


class UvloopForwardingTests(ForwardingTests):
    loop_factory = uvloop.new_event_loop


class UvloopDelayTests(DelayTests):
    loop_factory = uvloop.new_event_loop


class UvloopProcessorTests(ProcessorTests):
    loop_factory = uvloop.new_event_loop


class UvloopDisconnectTests(DisconnectTests):
    loop_factory = uvloop.new_event_loop


class UvloopFaultTests(FaultTests):
    loop_factory = uvloop.new_event_loop


# aiohttp applications behind a proxy ----------------------------------------------------


async def hello(request: web.Request) -> web.Response:
    return web.Response(text=f"hello via {request.host}")


WAITING = web.AppKey("waiting", list[web.Request])


async def never_answers(request: web.Request) -> web.Response:
    request.app[WAITING].append(request)
    await asyncio.Event().wait()
    raise AssertionError("unreachable")  # pragma: no cover


class ProxiedAppTests(aiotest.AioHTTPTestCase):
    strict = True

    async def get_application(self) -> web.Application:
        app = web.Application()
        app[WAITING] = []
        app.router.add_get("/", hello)
        # POST: aiohttp before 3.11 retries a failed GET once, on a new connection.
        app.router.add_post("/never", never_answers)
        return app

    async def test_client_requests_go_through_the_proxy(self) -> None:
        proxy = await self.proxy_server()
        self.assertEqual(self.client.make_url("/").port, proxy.proxy_port)
        async with self.client.get("/") as response:
            self.assertEqual(await response.text(), f"hello via 127.0.0.1:{proxy.proxy_port}")
        self.assertEqual(len(proxy.clients), 1)  # the client's keep-alive connection

    async def test_slowdown_slows_the_client(self) -> None:
        proxy = await self.proxy_server()
        with proxy.slowdown(0.1, 0.2):
            started = time.monotonic()
            async with self.client.get("/") as response:
                await response.read()
            self.assertGreaterEqual(time.monotonic() - started, 0.3)

    async def test_client_timeout_fires_against_a_blackhole(self) -> None:
        proxy = await self.proxy_server()
        # aiohttp's total timeout is what a client of a silent server sees.
        with proxy.blackhole(), self.assertRaises(asyncio.TimeoutError):
            await self.client.get("/", timeout=aiohttp.ClientTimeout(total=0.2))
        async with self.client.get("/") as response:
            self.assertEqual(response.status, 200)

    async def test_reset_during_a_request_is_a_client_os_error(self) -> None:
        proxy = await self.proxy_server()
        request = asyncio.ensure_future(self.client.post("/never"))
        await self.until(lambda: bool(self.app[WAITING]))
        await proxy.reset_all()
        with self.assertRaises(aiohttp.ClientOSError) as caught:
            await request
        self.assertEqual(caught.exception.errno, errno.ECONNRESET)

    async def test_disconnect_during_a_request_is_a_server_disconnect(self) -> None:
        proxy = await self.proxy_server()
        request = asyncio.ensure_future(self.client.post("/never"))
        await self.until(lambda: bool(self.app[WAITING]))
        await proxy.disconnect_all()
        with self.assertRaises(aiohttp.ServerDisconnectedError):
            await request

    async def test_pooled_connections_recover_after_a_reset(self) -> None:
        proxy = await self.proxy_server()
        for fault in (proxy.reset_all, proxy.disconnect_all):
            with self.subTest(fault=fault.__name__):
                async with self.client.get("/") as response:
                    await response.read()
                await fault()
                await asyncio.sleep(0.05)
                # aiohttp noticed the lost keep-alive connection and opens a new one.
                async with self.client.get("/") as response:
                    self.assertEqual(response.status, 200)

    async def until(self, condition: Callable[[], bool]) -> None:
        for _ in range(200):
            if condition():
                return
            await asyncio.sleep(0.01)
        self.fail("condition never became true")

    async def test_refused_connection_is_a_connector_error(self) -> None:
        proxy = await self.proxy_server()
        async with proxy.refuse_connections():
            with self.assertRaises(aiohttp.ClientConnectorError) as caught:
                await self.client.get("/")
        self.assertIsInstance(caught.exception.os_error, ConnectionRefusedError)


class UvloopProxiedAppTests(ProxiedAppTests):
    loop_factory = uvloop.new_event_loop


class ProxyServerCleanupTests(unittest.TestCase):
    def test_the_proxy_is_closed_after_the_test(self) -> None:
        seen: dict[str, Any] = {}

        class Inner(aiotest.AioHTTPTestCase):
            check_leaks = True

            async def get_application(self) -> web.Application:
                app = web.Application()
                app.router.add_get("/", hello)
                return app

            async def test_proxy(self) -> None:
                seen["proxy"] = proxy = await self.proxy_server()
                # Left open on purpose: the cleanup closes the response, then the proxy.
                seen["response"] = await self.client.get("/")
                self.assertEqual(len(proxy.clients), 1)

        result = unittest.TestResult()
        Inner("test_proxy").run(result)
        self.assertEqual(result.errors + result.failures, [])
        self.assertFalse(seen["proxy"].started)
        self.assertEqual(seen["proxy"].clients, set())
        self.assertTrue(seen["response"].closed)

    def test_a_class_scoped_client_is_routed_back_to_the_server(self) -> None:
        ports: list[tuple[int | None, int | None]] = []

        class Inner(aiotest.AioHTTPTestCase):
            server_scope = "class"

            async def get_application(self) -> web.Application:
                app = web.Application()
                app.router.add_get("/", hello)
                return app

            async def test_1_through_a_proxy(self) -> None:
                proxy = await self.proxy_server()
                ports.append((self.client.make_url("/").port, proxy.proxy_port))

            async def test_2_direct(self) -> None:
                ports.append((self.client.make_url("/").port, self.server.port))
                async with self.client.get("/") as response:
                    self.assertEqual(response.status, 200)

        result = unittest.TestResult()
        unittest.defaultTestLoader.loadTestsFromTestCase(Inner).run(result)
        self.assertEqual(result.errors + result.failures, [])
        self.assertEqual(len(ports), 2)
        for url_port, expected in ports:
            self.assertEqual(url_port, expected)

    def test_proxy_server_needs_a_running_server(self) -> None:
        class Inner(aiotest.AioHTTPTestCase):
            async def get_application(self) -> web.Application:
                return web.Application()

            async def test_after_close(self) -> None:
                await self.server.close()
                with self.assertRaisesRegex(RuntimeError, "not started"):
                    await self.proxy_server()

        result = unittest.TestResult()
        Inner("test_after_close").run(result)
        self.assertEqual(result.errors + result.failures, [])
        self.assertEqual(result.testsRun, 1)

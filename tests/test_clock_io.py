"""Virtual time and real I/O: both sides of the idle rule, on aiotest's servers and streams."""

from __future__ import annotations

import asyncio
import socket
import time
import unittest

import aiohttp
from aiohttp import web

import aiotest

from ._clock_helpers import INSTANT, SlowThreadServer, run_virtual

# Back-off between attempts, doubling up to ten minutes: 37.5 s, 75 s, ... 600 s.
BACKOFF = [600 / 2**n for n in range(4, -1, -1)]
FAILURES = 5


def sleepy_app(seconds: float) -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        await asyncio.sleep(seconds)
        return web.Response(text=f"slept {seconds:g}")

    app = web.Application()
    app.router.add_get("/", handler)
    return app


def big_app(size: int) -> web.Application:
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        chunk = b"x" * 65536
        for _ in range(size // len(chunk)):
            await response.write(chunk)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/", handler)
    return app


async def ticker() -> None:
    """A timer always pending, for a clock that jumps whenever the loop looks idle."""
    while True:
        await asyncio.sleep(1)


class TestServerTest(unittest.TestCase):
    def test_a_handler_sleeping_30_s_answers_at_once(self) -> None:
        async def main() -> tuple[str, float]:
            loop = asyncio.get_running_loop()
            async with aiotest.TestClient(aiotest.TestServer(sleepy_app(30))) as client:
                start = loop.time()
                response = await client.get("/")
                return await response.text(), loop.time() - start

        started = time.monotonic()
        text, elapsed = run_virtual(main)
        self.assertEqual(text, "slept 30")
        self.assertGreaterEqual(elapsed, 30)
        self.assertLess(elapsed, 31)
        self.assertLess(time.monotonic() - started, INSTANT)

    def test_wait_for_on_a_slower_handler_times_out_at_its_deadline(self) -> None:
        async def main() -> float:
            loop = asyncio.get_running_loop()
            async with aiotest.TestClient(aiotest.TestServer(sleepy_app(30))) as client:
                start = loop.time()
                with self.assertRaises(asyncio.TimeoutError):
                    await asyncio.wait_for(client.get("/"), 5)
                return loop.time() - start

        self.assertEqual(run_virtual(main), 5)

    def test_real_transfer_from_a_test_server_never_times_out_spuriously(self) -> None:
        size = 8 * 1024 * 1024

        async def main() -> tuple[int, float]:
            loop = asyncio.get_running_loop()
            background = asyncio.ensure_future(ticker())
            try:
                async with aiotest.TestClient(aiotest.TestServer(big_app(size))) as client:
                    start = loop.time()
                    for _ in range(20):
                        response = await asyncio.wait_for(client.get("/"), 5)
                        body = await asyncio.wait_for(response.read(), 5)
                    return len(body), loop.time() - start
            finally:
                background.cancel()

        length, elapsed = run_virtual(main)
        self.assertEqual(length, size)
        self.assertLess(elapsed, 5)

    def test_client_timeout_follows_the_virtual_clock(self) -> None:
        async def main() -> float:
            loop = asyncio.get_running_loop()
            async with aiotest.TestClient(aiotest.TestServer(sleepy_app(60))) as client:
                start = loop.time()
                with self.assertRaises(asyncio.TimeoutError):
                    await client.get("/", timeout=aiohttp.ClientTimeout(total=10))
                return loop.time() - start

        elapsed = run_virtual(main)
        # aiohttp rounds deadlines of 5 s or more up to the next whole second.
        self.assertGreaterEqual(elapsed, 10)
        self.assertLessEqual(elapsed, 11)

    def test_retry_with_backoff_to_ten_minutes_keeps_correct_attempt_times(self) -> None:
        async def main() -> list[float]:
            loop = asyncio.get_running_loop()
            attempts: list[float] = []

            async def flaky(request: web.Request) -> web.Response:
                attempts.append(loop.time())
                if len(attempts) <= FAILURES:
                    return web.Response(status=503)
                return web.Response(text="ok")

            app = web.Application()
            app.router.add_get("/", flaky)
            async with aiotest.TestClient(aiotest.TestServer(app)) as client:
                start = loop.time()
                for delay in [*BACKOFF, None]:
                    response = await client.get("/")
                    if response.status == 200:
                        break
                    assert delay is not None, "the server kept failing"
                    await asyncio.sleep(delay)
            return [at - start for at in attempts]

        started = time.monotonic()
        times = run_virtual(main)
        expected = [sum(BACKOFF[:n]) for n in range(FAILURES + 1)]
        self.assertEqual(len(times), FAILURES + 1)
        for got, want in zip(times, expected, strict=True):
            self.assertAlmostEqual(got, want, delta=0.01)
        self.assertEqual(expected[-1] - expected[-2], 600)
        self.assertLess(time.monotonic() - started, INSTANT)


class ProxyTest(unittest.TestCase):
    def test_slowdown_delays_follow_the_virtual_clock(self) -> None:
        async def main() -> tuple[str, float]:
            loop = asyncio.get_running_loop()
            async with aiotest.TestServer(sleepy_app(0)) as server:
                assert server.port is not None
                proxy = aiotest.TCPProxy("127.0.0.1", server.port)
                async with proxy, aiohttp.ClientSession() as session:
                    with proxy.slowdown(read_delay=60, write_delay=60):
                        start = loop.time()
                        async with session.get(proxy.make_url("/")) as response:
                            text = await response.text()
                        return text, loop.time() - start

        started = time.monotonic()
        text, elapsed = run_virtual(main)
        self.assertEqual(text, "slept 0")
        self.assertGreaterEqual(elapsed, 120)
        self.assertLess(time.monotonic() - started, INSTANT)


class ProxyNoDelayTest(unittest.TestCase):
    def test_the_proxy_turns_nagle_off_on_client_connections(self) -> None:
        async def main() -> int:
            async with aiotest.TestServer(sleepy_app(0)) as server:
                assert server.port is not None
                async with aiotest.TCPProxy("127.0.0.1", server.port) as proxy:
                    _, writer = await proxy.create_client()
                    while not proxy.clients:
                        await asyncio.sleep(0)
                    [connection] = proxy.clients
                    sock = connection.client_writer.get_extra_info("socket")
                    value = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
                    writer.close()
                    return int(value)

        self.assertEqual(run_virtual(main), 1)


class HeldBackBytesTest(unittest.TestCase):
    def test_no_jump_while_the_kernel_holds_small_writes_back(self) -> None:
        # Without TCP_NODELAY the kernel sends a small write only once the previous one is
        # acknowledged, which the other end may delay by tens of real milliseconds.
        async def main() -> tuple[list[bytes], float]:
            loop = asyncio.get_running_loop()

            async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
                while await reader.readline():
                    for part in (b"a" * 10, b"b" * 10, b"\n"):
                        writer.write(part)
                        await asyncio.sleep(0)
                writer.close()

            server = await asyncio.start_server(handler, "127.0.0.1", 0)
            port = server.sockets[0].getsockname()[1]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            background = asyncio.ensure_future(ticker())
            lines = []
            try:
                start = loop.time()
                for _ in range(3):
                    writer.write(b"go\n")
                    lines.append(await asyncio.wait_for(reader.readline(), 5))
                return lines, loop.time() - start
            finally:
                background.cancel()
                writer.close()
                await writer.wait_closed()
                server.close()
                await server.wait_closed()

        lines, elapsed = run_virtual(main)
        self.assertEqual(lines, [b"a" * 10 + b"b" * 10 + b"\n"] * 3)
        self.assertLess(elapsed, 5)

    def test_https_through_a_proxy(self) -> None:
        async def main() -> str:
            server = aiotest.TestServer(sleepy_app(0), scheme="https")
            await server.start_server()
            assert server.port is not None
            proxy = aiotest.TCPProxy(server.host, server.port)
            async with proxy, aiotest.TestClient(server) as client:
                client.route_through(proxy)
                background = asyncio.ensure_future(ticker())
                try:
                    response = await asyncio.wait_for(client.get("/"), 5)
                    return await response.text()
                finally:
                    background.cancel()

        self.assertEqual(run_virtual(main), "slept 0")


class PlainStreamTest(unittest.TestCase):
    def test_no_jump_while_a_loopback_peer_outside_the_loop_is_answering(self) -> None:
        server = SlowThreadServer(delay=0.2)
        self.addCleanup(server.close)

        async def main() -> tuple[bytes, float, str | None]:
            loop = asyncio.get_running_loop()
            clock = aiotest.clock_of(loop)
            background = asyncio.ensure_future(ticker())
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            try:
                start = loop.time()
                writer.write(b"ping\n")
                read = asyncio.ensure_future(reader.readline())
                await asyncio.sleep(0)
                busy = clock.busy()
                line = await asyncio.wait_for(read, 5)
                return line, loop.time() - start, busy
            finally:
                background.cancel()
                writer.close()
                await writer.wait_closed()

        line, elapsed, busy = run_virtual(main)
        self.assertEqual(line, b"PING\n")
        # The clock followed real time while the reply was on its way: the ticker's
        # one-second timer, which a jump would have reached first, never fired early.
        self.assertGreater(elapsed, 0.1)
        self.assertLess(elapsed, 1)
        self.assertIsNotNone(busy)
        self.assertIn(f"127.0.0.1', {server.port}", str(busy))

    def test_jumps_again_once_the_connection_outside_the_loop_is_closed(self) -> None:
        server = SlowThreadServer(delay=0)
        self.addCleanup(server.close)

        async def main() -> tuple[str | None, str | None, float]:
            loop = asyncio.get_running_loop()
            clock = aiotest.clock_of(loop)
            _, writer = await asyncio.open_connection("127.0.0.1", server.port)
            open_busy = clock.busy()
            writer.close()
            await writer.wait_closed()
            closed_busy = clock.busy()
            start = loop.time()
            await asyncio.sleep(3600)
            return open_busy, closed_busy, loop.time() - start

        open_busy, closed_busy, elapsed = run_virtual(main)
        self.assertIsNotNone(open_busy)
        self.assertIsNone(closed_busy)
        self.assertEqual(elapsed, 3600)

    def test_jumps_while_a_peer_in_the_same_loop_waits_on_a_timer(self) -> None:
        async def main() -> tuple[bytes, float, str | None]:
            loop = asyncio.get_running_loop()
            clock = aiotest.clock_of(loop)

            async def slow_echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
                line = await reader.readline()
                await asyncio.sleep(300)
                writer.write(line.upper())
                await writer.drain()
                writer.close()

            server = await asyncio.start_server(slow_echo, "127.0.0.1", 0)
            port = server.sockets[0].getsockname()[1]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                start = loop.time()
                writer.write(b"ping\n")
                await asyncio.sleep(0.001)
                busy = clock.busy()
                line = await asyncio.wait_for(reader.readline(), 600)
                return line, loop.time() - start, busy
            finally:
                writer.close()
                await writer.wait_closed()
                server.close()
                await server.wait_closed()

        started = time.monotonic()
        line, elapsed, busy = run_virtual(main)
        self.assertEqual(line, b"PING\n")
        self.assertIsNone(busy)
        self.assertGreaterEqual(elapsed, 300)
        self.assertLess(elapsed, 301)
        self.assertLess(time.monotonic() - started, INSTANT)

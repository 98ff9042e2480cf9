"""TCPProxy in front of a plain asyncio echo server: forwarding, delays, rewriting, EOF."""

from __future__ import annotations

import asyncio
import time

from aiotest import AsyncTestCase, TCPProxy


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while chunk := await reader.read(65536):
        writer.write(chunk)
        await writer.drain()
    writer.close()


class EchoThroughProxyTests(AsyncTestCase):
    async def asyncSetUp(self) -> None:
        server = await asyncio.start_server(echo, "127.0.0.1", 0)
        self.addAsyncCleanup(server.wait_closed)
        self.addCleanup(server.close)
        port = server.sockets[0].getsockname()[1]
        # The proxy binds its own port when it starts, and closes every connection
        # (and the clients made by create_client) when it closes.
        self.proxy = TCPProxy("127.0.0.1", port)
        await self.proxy.start()
        self.addAsyncCleanup(self.proxy.close)

    async def test_bytes_go_through_unchanged(self) -> None:
        reader, writer = await self.proxy.create_client()
        writer.write(b"Hello world")
        self.assertEqual(await reader.readexactly(11), b"Hello world")
        self.assertEqual(len(self.proxy.clients), 1)

    async def test_slow_network(self) -> None:
        # 0.1 s on the way to the server ("read"), 0.2 s on the way back ("write").
        with self.proxy.slowdown(0.1, 0.2):
            reader, writer = await self.proxy.create_client()
            started = time.monotonic()
            writer.write(b"ping")
            await reader.readexactly(4)
            self.assertGreaterEqual(time.monotonic() - started, 0.3)

    async def test_rewrite_bytes_in_both_directions(self) -> None:
        self.proxy.set_content_processors(
            lambda chunk: b"Never say hello",  # what the server receives
            lambda chunk: chunk[::-1],  # what the client receives
        )
        reader, writer = await self.proxy.create_client()
        writer.write(b"Hello world")
        self.assertEqual(await reader.readexactly(15), b"olleh yas reveN")

    async def test_dropped_connections(self) -> None:
        reader, writer = await self.proxy.create_client()
        writer.write(b"still there?")
        await reader.readexactly(12)
        await self.proxy.disconnect_all()
        self.assertEqual(await reader.read(), b"")  # the client sees the end of the stream
        self.assertEqual(self.proxy.clients, set())

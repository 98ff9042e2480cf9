"""TCPProxy used the way suites written for aiomisc's ``tcp_proxy`` use it.

Each test follows a pattern found in public suites that test network clients through
aiomisc's proxy (robust reconnection, heartbeats, timeouts), so that such suites keep
working with only the import changed.
"""

from __future__ import annotations

import asyncio
import socket
import struct

from tests.test_proxy import EchoServer, ProxyTestCase


class DisconnectWithoutAwaitTests(ProxyTestCase):
    """``disconnect_all()``/``reset_all()`` act even when nobody awaits what they return."""

    async def open_clients(
        self, count: int
    ) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
        clients = [await self.proxy.create_client() for _ in range(count)]
        for reader, writer in clients:
            writer.write(b"ping")
            self.assertEqual(await asyncio.wait_for(reader.readexactly(4), 2), b"ping")
        return clients

    async def test_disconnect_all_scheduled_with_call_soon_from_a_processor(self) -> None:
        loop = asyncio.get_running_loop()

        def server_to_client(chunk: bytes) -> bytes:
            loop.call_soon(self.proxy.disconnect_all)
            return chunk

        (reader, writer), (other_reader, _) = await self.open_clients(2)
        self.proxy.set_content_processors(None, server_to_client)
        writer.write(b"last")
        self.assertEqual(await asyncio.wait_for(reader.read(), 2), b"last")
        self.assertEqual(await asyncio.wait_for(other_reader.read(), 2), b"")

    async def test_disconnect_all_returns_a_task_that_can_be_awaited(self) -> None:
        ((reader, _),) = await self.open_clients(1)
        stopping = self.proxy.disconnect_all()
        self.assertIsInstance(stopping, asyncio.Task)
        await stopping
        self.assertFalse(stopping.cancelled())
        self.assertEqual(self.proxy.clients, set())
        self.assertEqual(await asyncio.wait_for(reader.read(), 2), b"")

    async def test_reset_all_without_await_resets(self) -> None:
        ((reader, _),) = await self.open_clients(1)
        self.proxy.reset_all()
        with self.assertRaises(ConnectionResetError):
            await asyncio.wait_for(reader.read(), 2)

    async def test_close_right_after_a_disconnect_nobody_awaited(self) -> None:
        clients = await self.open_clients(3)
        reader = clients[0][0]
        self.proxy.disconnect_all()
        # strict=True on the case fails the test if a task or transport outlives the test.
        await self.proxy.close()
        self.assertEqual(self.proxy.clients, set())
        self.assertEqual(await asyncio.wait_for(reader.read(), 2), b"")

    async def test_awaiting_disconnect_all_inside_a_processor(self) -> None:
        async def server_to_client(chunk: bytes) -> bytes:
            await self.proxy.disconnect_all()
            return chunk

        clients = await self.open_clients(5)
        self.proxy.set_content_processors(None, server_to_client)
        clients[2][1].write(b"boom")
        for reader, _ in clients:
            self.assertEqual(await asyncio.wait_for(reader.read(), 2), b"")

    async def test_a_disconnect_task_from_an_async_processor(self) -> None:
        # A processor that starts a task which waits, then awaits disconnect_all.
        lock = asyncio.Lock()
        disconnects: list[asyncio.Task[None]] = []

        async def disconnect() -> None:
            async with lock:
                await asyncio.sleep(0.01)
                await self.proxy.disconnect_all()

        async def server_to_client(chunk: bytes) -> bytes:
            async with lock:
                if not disconnects:
                    disconnects.append(asyncio.get_running_loop().create_task(disconnect()))
                return chunk

        ((reader, writer),) = await self.open_clients(1)
        self.proxy.set_content_processors(lambda chunk: chunk, server_to_client)
        writer.write(b"data")
        self.assertEqual(await asyncio.wait_for(reader.read(), 2), b"data")
        await disconnects[0]


class UsagePatternTests(ProxyTestCase):
    """Other things such suites do with the proxy and its connections."""

    async def test_linger_on_a_client_socket_turns_disconnect_into_a_reset(self) -> None:
        reader, writer = await self.proxy.create_client()
        writer.write(b"ping")
        await asyncio.wait_for(reader.readexactly(4), 2)
        for peer in tuple(self.proxy.clients):
            sock = peer.client_writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        await self.proxy.disconnect_all()
        with self.assertRaises(ConnectionResetError):
            await asyncio.wait_for(reader.read(), 2)

    async def test_assigning_target_port_redirects_new_connections(self) -> None:
        other = EchoServer()
        await other.start()
        self.addAsyncCleanup(other.close)
        self.proxy.target_port = other.port
        self.assertEqual(await self.round_trip(b"moved"), b"moved")
        self.assertEqual(bytes(other.received), b"moved")
        self.assertEqual(bytes(self.echo.received), b"")

    async def test_processors_by_keyword_and_dropping_every_chunk(self) -> None:
        async def drop(_: bytes) -> bytes:
            return b""

        self.proxy.set_content_processors(read=None, write=drop)
        reader, writer = await self.proxy.create_client()
        writer.write(b"heartbeat")
        with self.assertRaises(asyncio.TimeoutError):
            await asyncio.wait_for(reader.read(100), 0.1)
        self.proxy.set_content_processors(read=None, write=None)
        writer.write(b"again")
        self.assertEqual(await asyncio.wait_for(reader.readexactly(5), 2), b"again")

    async def test_leaving_a_long_slowdown_releases_the_waiting_chunk(self) -> None:
        reader, writer = await self.proxy.create_client()
        answer = asyncio.get_running_loop().create_task(reader.readexactly(4))
        with self.proxy.slowdown(read_delay=50, write_delay=0):
            writer.write(b"slow")
            await asyncio.wait({answer}, timeout=0.1)
            self.assertFalse(answer.done())
        self.assertEqual(await asyncio.wait_for(answer, 2), b"slow")

"""aio.testing's setUpClass, unchanged: asyncio.get_event_loop() finds a loop on every Python."""

from __future__ import annotations

import asyncio
import unittest
from typing import Any

import aiotest


class ServerTests(unittest.TestCase):
    loop: asyncio.AbstractEventLoop

    @classmethod
    def setUpClass(cls) -> None:
        # Python 3.14 makes no loop here by itself; aiotest provides one for the class,
        # because the class holds tests decorated with aiotest's legacy decorators.
        cls.loop = asyncio.get_event_loop()
        cls.server = cls.loop.run_until_complete(asyncio.start_server(cls.echo, "127.0.0.1", 0))

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.close()
        cls.loop.run_until_complete(cls.server.wait_closed())
        # Closing the loop here is fine, and so is leaving it: a class cleanup closes it.

    @staticmethod
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(await reader.readline())
        await writer.drain()
        writer.close()

    def setUp(self) -> None:
        # setUp finds the same loop.
        self.assertIs(asyncio.get_event_loop(), self.loop)

    @aiotest.run_until_complete(loop=aiotest.current_loop)
    def test_echo(self) -> Any:
        port = self.server.sockets[0].getsockname()[1]
        reader, writer = yield from asyncio.open_connection("127.0.0.1", port)
        writer.write(b"ping\n")
        self.assertEqual((yield from reader.readline()), b"ping\n")
        writer.close()
        yield from writer.wait_closed()

    @aiotest.run_until_complete
    def test_on_a_fresh_loop(self) -> Any:
        # Without loop=, a test still runs on a loop of its own.
        yield from asyncio.sleep(0)
        self.assertIsNot(asyncio.get_event_loop(), self.loop)

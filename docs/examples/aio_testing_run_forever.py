"""aio.testing's run_forever examples, rewritten for aiotest, with short waits."""

from __future__ import annotations

import asyncio
import unittest
from typing import Any

import aiotest


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(await reader.readline())
    await writer.drain()
    writer.close()


class RunForeverTests(unittest.TestCase):
    @aiotest.run_forever(timeout=0.1)
    def test_callback_runs_later(self) -> Any:
        delivered: list[str] = []
        asyncio.get_event_loop().call_later(0.05, delivered.append, "message")
        yield from asyncio.sleep(0.01)

        def callback_test() -> Any:
            # Runs 0.1 seconds (timeout=) after the body returned it; aio.testing's
            # default, kept by aiotest, is one second.
            yield from asyncio.sleep(0)
            self.assertEqual(delivered, ["message"])

        return callback_test

    @aiotest.run_forever(timeout=0.01, sleep=0.05)
    def test_sleep_after_the_callback(self) -> Any:
        server = yield from asyncio.start_server(echo, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]

        def callback_test() -> Any:
            reader, writer = yield from asyncio.open_connection("127.0.0.1", port)
            writer.write(b"ping\n")
            self.assertEqual((yield from reader.readline()), b"ping\n")
            writer.close()
            server.close()
            # sleep= gives what was stopped here time to finish closing.

        return callback_test

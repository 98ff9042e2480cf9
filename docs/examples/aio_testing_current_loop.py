"""Sharing one loop between tests with loop=aiotest.current_loop."""

from __future__ import annotations

import asyncio
import unittest
from typing import Any

import aiotest


class SharedLoopTests(unittest.TestCase):
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[str]

    @classmethod
    def setUpClass(cls) -> None:
        # Make the loop explicitly: asyncio.get_event_loop() no longer makes one once any
        # test in the run has set and unset the current loop.
        cls.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(cls.loop)
        cls.queue = asyncio.Queue()  # an expensive resource, made once for the class

    @classmethod
    def tearDownClass(cls) -> None:
        asyncio.set_event_loop(None)
        cls.loop.close()

    @aiotest.run_until_complete(loop=aiotest.current_loop)
    def test_1_put(self) -> Any:
        yield from self.queue.put("shared")
        self.assertIs(asyncio.get_event_loop(), SharedLoopTests.loop)

    @aiotest.run_forever(timeout=0.01, loop=aiotest.current_loop)
    def test_2_get(self) -> Any:
        # Same loop, same queue: what the first test put is still there.
        item = yield from self.queue.get()
        self.assertEqual(item, "shared")

"""A test that waits for what can never happen fails, instead of hanging or passing."""

from __future__ import annotations

import asyncio
import unittest

import aiotest


class StuckTest(unittest.TestCase):
    def test_a_future_nobody_resolves_is_reported(self) -> None:
        class Service(aiotest.AsyncTestCase):
            loop_factory = aiotest.virtual_loop_factory()

            async def test_waits_for_a_reply_nobody_sends(self) -> None:
                aiotest.clock_of().stuck_timeout = 0.1  # real seconds; 1.0 by default
                reply: asyncio.Future[str] = asyncio.get_running_loop().create_future()
                await reply

        result = unittest.TestResult()
        Service("test_waits_for_a_reply_nobody_sends").run(result)
        [(_, report)] = result.errors
        self.assertIn("aiotest._clock.LoopStuck: the event loop is stuck", report)
        self.assertIn("no timer is pending", report)

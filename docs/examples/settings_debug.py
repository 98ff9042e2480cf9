"""asyncio's debug mode for one test, with a stricter slow-callback threshold."""

from __future__ import annotations

import asyncio
import time

import aiotest


class DebugMode(aiotest.AsyncTestCase):
    @aiotest.loop_debug
    @aiotest.slow_callback_duration(0.01)
    async def test_blocking_call_is_logged(self) -> None:
        loop = asyncio.get_running_loop()
        self.assertTrue(loop.get_debug())
        with self.assertLogs("asyncio", level="WARNING") as logs:
            loop.call_soon(time.sleep, 0.02)  # blocks the loop for 20 ms
            await asyncio.sleep(0.05)
        self.assertIn("took", logs.output[0])

    async def test_off_unless_asked(self) -> None:
        self.assertFalse(asyncio.get_running_loop().get_debug())

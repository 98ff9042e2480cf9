"""A test that waits for what can never happen fails, instead of hanging or passing."""

from __future__ import annotations

import asyncio
import unittest

import aiotest


class StuckTest(unittest.TestCase):
    def test_asyncio_runner_takes_the_factory_too(self) -> None:
        async def forever() -> None:
            aiotest.clock_of().stuck_timeout = 0.1
            await asyncio.Event().wait()  # nobody will set it

        loop = aiotest.virtual_loop_factory()()
        try:
            with self.assertRaises(aiotest.LoopStuck):
                loop.run_until_complete(forever())
        finally:
            for task in asyncio.all_tasks(loop):
                task.cancel()
                loop.run_until_complete(asyncio.wait({task}))
            loop.close()

    def test_a_future_nobody_resolves_is_reported(self) -> None:
        class Service(aiotest.AsyncTestCase):
            virtual_time = True
            loop_factory = asyncio.new_event_loop  # what virtual time runs on

            async def test_waits_for_a_reply_nobody_sends(self) -> None:
                aiotest.clock_of().stuck_timeout = 0.1  # real seconds; 1.0 by default
                reply: asyncio.Future[str] = asyncio.get_running_loop().create_future()
                await reply

        result = unittest.TestResult()
        Service("test_waits_for_a_reply_nobody_sends").run(result)
        [(_, report)] = result.failures
        self.assertIn("the test waits on something that can never happen", report)
        # The report shows where every pending task waits: here, the test itself.
        self.assertIn("await reply", report)

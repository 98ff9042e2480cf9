"""A hanging test fails alone, and its report shows where every task was waiting."""

from __future__ import annotations

import asyncio
import unittest

import aiotest


async def heartbeat() -> None:
    while True:
        await asyncio.sleep(60)


class TimeoutReport(unittest.TestCase):
    def test_a_hanging_test_fails_with_the_stacks_of_pending_tasks(self) -> None:
        class Service(aiotest.AsyncTestCase):
            timeout = 0.1  # asyncSetUp, the test and asyncTearDown share it

            async def test_waits_for_a_reply_that_never_comes(self) -> None:
                reply: asyncio.Future[str] = asyncio.get_running_loop().create_future()
                self.heartbeat = asyncio.create_task(heartbeat())
                await reply

        result = unittest.TestResult()
        Service("test_waits_for_a_reply_that_never_comes").run(result)
        [(_, report)] = result.failures
        self.assertIn("did not finish within its timeout of 0.1 s", report)
        self.assertIn("Tasks pending when the timeout expired:", report)
        self.assertIn("await reply", report)  # where the test was waiting
        self.assertIn("running heartbeat", report)  # and the task it started
        self.assertIn("await asyncio.sleep(60)", report)

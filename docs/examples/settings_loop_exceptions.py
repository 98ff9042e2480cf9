"""An exception nobody awaited fails the test that caused it."""

from __future__ import annotations

import asyncio
import unittest

import aiotest


async def send_metrics() -> None:
    raise ConnectionError("metrics server down")


class LoopExceptions(unittest.TestCase):
    def test_fire_and_forget_errors_fail_the_test(self) -> None:
        @aiotest.catch_loop_exceptions
        class Handler(aiotest.AsyncTestCase):
            async def test_handle(self) -> None:
                asyncio.ensure_future(send_metrics())  # noqa: RUF006 - the bug shown
                await asyncio.sleep(0.01)

        result = unittest.TestResult()
        Handler("test_handle").run(result)
        [(_, report)] = result.failures
        self.assertIn("exception handler received 1 exception(s)", report)
        self.assertIn("Task exception was never retrieved", report)
        self.assertIn("ConnectionError: metrics server down", report)

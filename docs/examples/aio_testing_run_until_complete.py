"""aio.testing's run_until_complete examples, rewritten for aiotest."""

from __future__ import annotations

import asyncio
import unittest
from typing import Any

import aiotest


class RunUntilCompleteTests(unittest.TestCase):
    @aiotest.run_until_complete
    def test_generator(self) -> Any:
        # Written before async/await: yield from coroutines and futures still works.
        yield from asyncio.sleep(0.01)
        loop = asyncio.get_event_loop()
        future = loop.create_future()
        loop.call_soon(future.set_result, 42)
        answer = yield from future
        self.assertEqual(answer, 42)

    @aiotest.run_until_complete
    async def test_async_def(self) -> None:
        # The same decorator takes the modern spelling, so a suite can move test by test.
        await asyncio.sleep(0.01)


class OneLoopPerTestTests(unittest.TestCase):
    def test_a_different_loop_then_the_original_restored(self) -> None:
        seen: list[bool] = []

        @aiotest.run_until_complete
        def check(parent_loop: asyncio.AbstractEventLoop) -> Any:
            yield from asyncio.sleep(0.01)
            seen.append(asyncio.get_event_loop() is not parent_loop)

        loop_before = asyncio.new_event_loop()
        asyncio.set_event_loop(loop_before)
        try:
            check(loop_before)
            self.assertEqual(seen, [True])  # the test ran in a loop of its own...
            self.assertIs(asyncio.get_event_loop(), loop_before)  # ...and the original is back
        finally:
            asyncio.set_event_loop(None)
            loop_before.close()

    def test_an_error_in_the_test_reaches_the_caller(self) -> None:
        @aiotest.run_until_complete
        def check() -> Any:
            yield from asyncio.sleep(0.01)
            raise ValueError("the test failed")

        with self.assertRaisesRegex(ValueError, "the test failed"):
            check()

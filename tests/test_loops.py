"""loop_context, setup_test_loop and teardown_test_loop."""

from __future__ import annotations

import asyncio
import gc
import unittest
import weakref
from collections.abc import AsyncIterator

import aiotest

from ._support import sleep_until_cancelled


class MarkedLoop(asyncio.SelectorEventLoop):
    """An event loop that tests can recognise."""


def current_loop() -> asyncio.AbstractEventLoop:
    """The loop set as current; RuntimeError once it was unset."""
    return asyncio.get_event_loop_policy().get_event_loop()


class Cycle:
    """A reference cycle that only the garbage collector frees."""

    def __init__(self) -> None:
        self.me = self


class AutomaticGCOff(unittest.TestCase):
    def setUp(self) -> None:
        # Deterministic collections: only explicit gc.collect() calls free cycles here.
        if gc.isenabled():
            gc.disable()
            self.addCleanup(gc.enable)


class TestSetupAndTeardown(AutomaticGCOff):
    def test_setup_makes_a_current_loop_with_the_factory(self) -> None:
        loop = aiotest.setup_test_loop(MarkedLoop)
        try:
            self.assertIsInstance(loop, MarkedLoop)
            self.assertIs(current_loop(), loop)
            self.assertFalse(loop.is_closed())
        finally:
            aiotest.teardown_test_loop(loop)

    def test_teardown_closes_and_unsets_the_loop(self) -> None:
        loop = aiotest.setup_test_loop()
        aiotest.teardown_test_loop(loop)
        self.assertTrue(loop.is_closed())
        with self.assertRaises(RuntimeError):
            current_loop()

    def test_teardown_cancels_pending_tasks(self) -> None:
        loop = aiotest.setup_test_loop()
        cancelled: list[bool] = []

        task = loop.create_task(sleep_until_cancelled(cancelled))
        loop.run_until_complete(asyncio.sleep(0))
        aiotest.teardown_test_loop(loop)
        self.assertTrue(task.cancelled())
        self.assertEqual(cancelled, [True])

    def test_teardown_finalises_async_generators(self) -> None:
        loop = aiotest.setup_test_loop()
        finalised: list[bool] = []

        async def numbers() -> AsyncIterator[int]:
            try:
                yield 1
                yield 2
            finally:
                finalised.append(True)

        generator = numbers()

        async def take_one() -> int:
            return await generator.__anext__()

        self.assertEqual(loop.run_until_complete(take_one()), 1)
        aiotest.teardown_test_loop(loop)
        self.assertEqual(finalised, [True])

    def test_teardown_of_a_closed_loop_still_unsets_it(self) -> None:
        loop = aiotest.setup_test_loop()
        loop.close()
        aiotest.teardown_test_loop(loop)
        with self.assertRaises(RuntimeError):
            current_loop()

    def test_teardown_collects_garbage_unless_fast(self) -> None:
        for fast, expected in ((False, True), (True, False)):
            with self.subTest(fast=fast):
                gc.collect()
                freed: list[bool] = []
                weakref.finalize(Cycle(), freed.append, True)
                loop = aiotest.setup_test_loop()
                aiotest.teardown_test_loop(loop, fast=fast)
                self.assertEqual(bool(freed), expected)
                gc.collect()
                self.assertEqual(freed, [True])


class TestLoopContext(AutomaticGCOff):
    def test_runs_the_body_on_a_current_loop_and_tears_it_down(self) -> None:
        with aiotest.loop_context() as loop:
            self.assertIs(current_loop(), loop)
            self.assertEqual(loop.run_until_complete(asyncio.sleep(0, "done")), "done")
        self.assertTrue(loop.is_closed())
        with self.assertRaises(RuntimeError):
            current_loop()

    def test_uses_the_loop_factory(self) -> None:
        with aiotest.loop_context(MarkedLoop) as loop:
            self.assertIsInstance(loop, MarkedLoop)
        self.assertTrue(loop.is_closed())

    def test_tears_down_even_when_the_body_raises(self) -> None:
        loops: list[asyncio.AbstractEventLoop] = []
        cancelled: list[bool] = []

        with self.assertRaisesRegex(ValueError, "body failed"), aiotest.loop_context() as loop:
            loops.append(loop)
            loop.create_task(sleep_until_cancelled(cancelled))
            loop.run_until_complete(asyncio.sleep(0))
            raise ValueError("body failed")
        self.assertTrue(loops[0].is_closed())
        self.assertEqual(cancelled, [True])
        with self.assertRaises(RuntimeError):
            current_loop()

    def test_fast_skips_the_collection(self) -> None:
        gc.collect()
        freed: list[bool] = []
        weakref.finalize(Cycle(), freed.append, True)
        with aiotest.loop_context(fast=True):
            pass
        self.assertEqual(freed, [])
        with aiotest.loop_context():
            pass
        self.assertEqual(freed, [True])


if __name__ == "__main__":
    unittest.main()

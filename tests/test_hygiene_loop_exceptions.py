"""catch_loop_exceptions: exceptions reaching the loop's handler fail the test that caused them."""

from __future__ import annotations

import asyncio
import unittest

import aiotest

from ._hygiene_helpers import LOOPS, HygieneTestCase, on_loop, run_case

CAUGHT = "the event loop's exception handler received"


def broken_callback() -> None:
    raise KeyError("from a callback")


async def failing_task() -> None:
    await asyncio.sleep(0)
    raise ValueError("nobody awaited me")


def unchecked_case() -> type[aiotest.AsyncTestCase]:
    """Code that hands exceptions to the loop's handler, without the setting.

    Made by a function so that test discovery does not run it on its own.
    """

    class Unchecked(aiotest.AsyncTestCase):
        async def test_callback_raises(self) -> None:
            asyncio.get_running_loop().call_soon(broken_callback)
            await asyncio.sleep(0.01)

        async def test_task_exception_never_retrieved(self) -> None:
            asyncio.ensure_future(failing_task())  # noqa: RUF006 - dropped on purpose
            await asyncio.sleep(0.01)

    return Unchecked


class LoopExceptionsTest(HygieneTestCase):
    def test_clean_code_passes(self) -> None:
        @aiotest.catch_loop_exceptions
        class Case(aiotest.AsyncTestCase):
            async def test_clean(self) -> None:
                task = asyncio.ensure_future(failing_task())
                with self.assertRaises(ValueError):
                    await task

        for name, factory in LOOPS:
            with self.subTest(loop=name):
                self.assertPassed(run_case(on_loop(Case, factory)))

    def test_off_by_default_the_loop_only_logs_them(self) -> None:
        with self.assertLogs("asyncio", level="ERROR") as logs:
            self.assertPassed(run_case(unchecked_case()), count=2)
        messages = [record.getMessage() for record in logs.records]
        for expected in ("Exception in callback", "Task exception was never retrieved"):
            self.assertTrue(any(expected in m for m in messages), messages)

    def test_a_callback_that_raised_fails_the_test(self) -> None:
        Case = aiotest.catch_loop_exceptions(unchecked_case())
        for name, factory in LOOPS:
            with self.subTest(loop=name):
                self.assertFailedWith(
                    run_case(on_loop(Case, factory), "test_callback_raises"),
                    CAUGHT + " 1 exception(s) during the test (catch_loop_exceptions)",
                    "Exception in callback",
                    "in broken_callback",
                    "KeyError: 'from a callback'",
                )

    def test_task_exception_never_retrieved_fails_the_test_that_caused_it(self) -> None:
        Case = aiotest.catch_loop_exceptions(unchecked_case())
        for name, factory in LOOPS:
            with self.subTest(loop=name):
                self.assertFailedWith(
                    run_case(on_loop(Case, factory), "test_task_exception_never_retrieved"),
                    "Task exception was never retrieved",
                    "in failing_task",
                    "ValueError: nobody awaited me",
                )

    def test_every_exception_is_listed(self) -> None:
        class Case(aiotest.AsyncTestCase):
            @aiotest.catch_loop_exceptions
            async def test_three(self) -> None:
                loop = asyncio.get_running_loop()
                loop.call_soon(broken_callback)
                loop.call_soon(broken_callback)
                asyncio.ensure_future(failing_task())  # noqa: RUF006 - dropped on purpose
                await asyncio.sleep(0.01)

        text = self.assertFailedWith(run_case(Case), CAUGHT + " 3 exception(s)")
        self.assertEqual(text.count("KeyError: 'from a callback'"), 2)
        self.assertEqual(text.count("ValueError: nobody awaited me"), 1)

    def test_the_next_test_starts_clean(self) -> None:
        @aiotest.catch_loop_exceptions
        class Case(aiotest.AsyncTestCase):
            async def test_1_fails(self) -> None:
                asyncio.get_running_loop().call_soon(broken_callback)
                await asyncio.sleep(0.01)

            async def test_2_passes(self) -> None:
                await asyncio.sleep(0.01)

        result = run_case(Case)
        self.assertEqual(result.testsRun, 2)
        self.assertFailedWith(result, "KeyError: 'from a callback'")
        self.assertIn("test_1_fails", str(result.failures[0][0]))


if __name__ == "__main__":
    unittest.main()

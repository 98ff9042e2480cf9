"""The loop runner behind every session: steps in a context, Ctrl-C, and bounded waits."""

from __future__ import annotations

import asyncio
import contextvars
import signal
import threading
import time
import unittest

import aiotest
from aiotest._runner import LoopRunner, StepAbandoned

from ._support import sleep_until_cancelled

VALUE: contextvars.ContextVar[str] = contextvars.ContextVar("VALUE", default="unset")

NEEDS_DEFAULT_SIGINT = "Ctrl-C handling is only installed over Python's default SIGINT handler"

# Short, so that the tests of abandoning stubborn tasks stay quick.
GRACE = 0.2


async def swallow_cancellation(cancellations: list[int]) -> None:
    """Sleep forever, catching every CancelledError: what a broken test task does."""
    while True:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancellations.append(1)


class LoopRunnerTest(unittest.TestCase):
    def runner(self) -> LoopRunner:
        runner = LoopRunner(asyncio.new_event_loop())
        self.addCleanup(runner.close)
        return runner

    def test_runs_steps_on_one_loop_in_the_given_context(self) -> None:
        runner = self.runner()
        context = contextvars.copy_context()

        async def set_value() -> asyncio.AbstractEventLoop:
            VALUE.set("set")
            return asyncio.get_running_loop()

        async def get_value() -> tuple[str, asyncio.AbstractEventLoop]:
            return VALUE.get(), asyncio.get_running_loop()

        loop = runner.run(set_value(), context)
        self.assertIs(loop, runner.loop)
        self.assertEqual(runner.run(get_value(), context), ("set", loop))
        self.assertEqual(runner.run(get_value(), contextvars.copy_context()), ("unset", loop))

    def test_a_closed_runner_refuses_to_run(self) -> None:
        runner = self.runner()
        runner.close()
        self.assertTrue(runner.loop.is_closed())
        coro = asyncio.sleep(0)
        with self.assertRaises(RuntimeError):
            runner.run(coro, contextvars.copy_context())
        coro.close()

    def test_close_cancels_leftover_tasks_and_stops_executor_threads(self) -> None:
        runner = self.runner()
        threads = threading.active_count()
        cancelled: list[bool] = []

        async def leave_things_behind() -> None:
            asyncio.get_running_loop().create_task(sleep_until_cancelled(cancelled))
            await asyncio.to_thread(lambda: None)
            await asyncio.sleep(0)

        runner.run(leave_things_behind(), contextvars.copy_context())
        self.assertGreater(threading.active_count(), threads)
        self.assertEqual(runner.close(), [])
        self.assertEqual(cancelled, [True])
        self.assertEqual(threading.active_count(), threads)
        self.assertEqual(runner.close(), [])  # a second close does nothing

    def test_close_abandons_a_task_that_ignores_cancellation(self) -> None:
        runner = self.runner()
        cancellations: list[int] = []

        async def start_stubborn_task() -> None:
            self.stubborn = asyncio.ensure_future(swallow_cancellation(cancellations))
            await asyncio.sleep(0)

        runner.run(start_stubborn_task(), contextvars.copy_context())
        started = time.monotonic()
        stayed = runner.close(grace=GRACE)
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(stayed, [self.stubborn])
        self.assertEqual(cancellations, [1])
        self.assertTrue(runner.loop.is_closed())
        self.assertTrue(runner.is_abandoned(stayed[0]))

    def test_an_interrupted_step_that_ignores_cancellation_is_abandoned(self) -> None:
        runner = self.runner()
        cancellations: list[int] = []
        runner.loop.call_later(0.05, runner.interrupt, GRACE)
        with self.assertRaises(StepAbandoned) as caught:
            runner.run(swallow_cancellation(cancellations), contextvars.copy_context())
        self.assertEqual(cancellations, [1])
        self.assertTrue(runner.is_abandoned(caught.exception.task))
        # The runner goes on: the next step runs as usual.
        self.assertEqual(runner.run(asyncio.sleep(0, "next"), contextvars.copy_context()), "next")

    def test_an_interrupted_step_that_lets_cancellation_through_ends_cancelled(self) -> None:
        runner = self.runner()
        cancelled: list[bool] = []
        runner.loop.call_later(0.05, runner.interrupt, GRACE)
        with self.assertRaises(asyncio.CancelledError):
            runner.run(sleep_until_cancelled(cancelled), contextvars.copy_context())
        self.assertEqual(cancelled, [True])
        self.assertEqual(runner.abandoned, [])

    def test_a_limit_abandons_a_step_still_running(self) -> None:
        runner = self.runner()
        with self.assertRaises(StepAbandoned):
            runner.run(asyncio.sleep(3600), contextvars.copy_context(), limit=GRACE)

    def test_a_loop_stop_by_the_code_under_test_is_its_own_error(self) -> None:
        runner = self.runner()

        async def stop_then_wait() -> None:
            asyncio.get_running_loop().stop()
            await asyncio.sleep(0.01)

        with self.assertRaisesRegex(RuntimeError, "Event loop stopped before Future completed"):
            runner.run(stop_then_wait(), contextvars.copy_context())
        self.assertEqual(runner.abandoned, [])
        # The step left behind is cancelled at close, not abandoned.
        self.assertEqual(runner.close(grace=GRACE), [])

    def test_ctrl_c_cancels_the_running_step_and_raises_keyboard_interrupt(self) -> None:
        if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
            self.skipTest(NEEDS_DEFAULT_SIGINT)
        runner = LoopRunner(asyncio.new_event_loop())
        reached: list[str] = []

        async def interrupted() -> None:
            signal.raise_signal(signal.SIGINT)
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                reached.append("cancelled")
                raise

        try:
            with self.assertRaises(KeyboardInterrupt):
                runner.run(interrupted(), contextvars.copy_context())
            self.assertEqual(reached, ["cancelled"])
            # Installed once for the runner, not once per step.
            self.assertIsNot(signal.getsignal(signal.SIGINT), signal.default_int_handler)
        finally:
            runner.close()
        self.assertIs(signal.getsignal(signal.SIGINT), signal.default_int_handler)

    def test_one_ctrl_c_stops_a_step_that_swallows_the_cancellation(self) -> None:
        if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
            self.skipTest(NEEDS_DEFAULT_SIGINT)
        runner = self.runner()
        cancellations: list[int] = []

        async def interrupted() -> None:
            asyncio.get_running_loop().call_later(0.05, signal.raise_signal, signal.SIGINT)
            await swallow_cancellation(cancellations)

        started = time.monotonic()
        with self.assertRaises(KeyboardInterrupt):
            runner.run(interrupted(), contextvars.copy_context())
        self.assertLess(time.monotonic() - started, 10)
        self.assertEqual(cancellations, [1])

    def test_ctrl_c_between_steps_raises_at_once(self) -> None:
        if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
            self.skipTest(NEEDS_DEFAULT_SIGINT)
        runner = self.runner()
        runner.run(asyncio.sleep(0), contextvars.copy_context())
        with self.assertRaises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)

    def test_a_test_leaves_the_sigint_handler_as_it_found_it(self) -> None:
        before = signal.getsignal(signal.SIGINT)
        seen: list[object] = []

        class Case(aiotest.AsyncTestCase):
            async def test_one(self) -> None:
                seen.append(signal.getsignal(signal.SIGINT))
                await asyncio.sleep(0)

        result = unittest.TestResult()
        Case("test_one").run(result)
        self.assertTrue(result.wasSuccessful(), result.errors)
        if before is signal.default_int_handler:
            self.assertIsNot(seen[0], before)
        self.assertIs(signal.getsignal(signal.SIGINT), before)


if __name__ == "__main__":
    unittest.main()

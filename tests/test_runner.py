"""The runner behind AsyncTestCase on Python 3.11+: asyncio.Runner's behaviour, fewer costs."""

from __future__ import annotations

import asyncio
import contextvars
import signal
import sys
import threading
import unittest

import aiotest

from ._support import sleep_until_cancelled

if sys.version_info >= (3, 11):
    from aiotest._runner import TestRunner

VALUE: contextvars.ContextVar[str] = contextvars.ContextVar("VALUE", default="unset")

NEEDS_DEFAULT_SIGINT = "Ctrl-C handling is only installed over Python's default SIGINT handler"


@unittest.skipIf(sys.version_info < (3, 11), "Python 3.10 runs tests without a runner")
class TestRunnerTest(unittest.TestCase):
    def test_runs_coroutines_on_one_loop_in_the_given_context(self) -> None:
        runner = TestRunner()
        self.addCleanup(runner.close)
        context = contextvars.copy_context()

        async def set_value() -> asyncio.AbstractEventLoop:
            VALUE.set("set")
            return asyncio.get_running_loop()

        async def get_value() -> tuple[str, asyncio.AbstractEventLoop]:
            return VALUE.get(), asyncio.get_running_loop()

        loop = runner.run(set_value(), context=context)
        self.assertEqual(runner.run(get_value(), context=context), ("set", loop))
        self.assertEqual(runner.run(get_value()), ("unset", loop))

    def test_uses_the_loop_factory_and_debug_flag(self) -> None:
        made: list[asyncio.AbstractEventLoop] = []

        def factory() -> asyncio.AbstractEventLoop:
            made.append(asyncio.new_event_loop())
            return made[-1]

        runner = TestRunner(debug=True, loop_factory=factory)
        loop = runner.get_loop()
        self.assertEqual(made, [loop])
        self.assertTrue(loop.get_debug())
        runner.close()
        self.assertTrue(loop.is_closed())

    def test_refuses_what_asyncio_runner_refuses(self) -> None:
        runner = TestRunner()
        self.addCleanup(runner.close)
        with self.assertRaises(ValueError):
            runner.run(None)  # type: ignore[arg-type]

        async def nested() -> None:
            inner = asyncio.sleep(0)
            try:
                runner.run(inner)
            finally:
                inner.close()

        with self.assertRaises(RuntimeError):
            runner.run(nested())
        runner.close()
        with self.assertRaises(RuntimeError):
            runner.get_loop()

    def test_close_cancels_leftover_tasks_and_stops_executor_threads(self) -> None:
        runner = TestRunner()
        threads = threading.active_count()
        cancelled: list[bool] = []

        async def leave_things_behind() -> None:
            self.task = asyncio.get_running_loop().create_task(sleep_until_cancelled(cancelled))
            await asyncio.to_thread(lambda: None)
            await asyncio.sleep(0)

        runner.run(leave_things_behind())
        self.assertGreater(threading.active_count(), threads)
        runner.close()
        self.assertEqual(cancelled, [True])
        self.assertEqual(threading.active_count(), threads)
        runner.close()  # a second close does nothing

    def test_ctrl_c_cancels_the_running_step_and_raises_keyboard_interrupt(self) -> None:
        if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
            self.skipTest(NEEDS_DEFAULT_SIGINT)
        runner = TestRunner()
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
                runner.run(interrupted())
            self.assertEqual(reached, ["cancelled"])
            # Installed once for the runner, not once per call.
            self.assertIsNot(signal.getsignal(signal.SIGINT), signal.default_int_handler)
        finally:
            runner.close()
        self.assertIs(signal.getsignal(signal.SIGINT), signal.default_int_handler)

    def test_ctrl_c_between_steps_raises_at_once(self) -> None:
        if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
            self.skipTest(NEEDS_DEFAULT_SIGINT)
        runner = TestRunner()
        try:
            runner.run(asyncio.sleep(0))
            with self.assertRaises(KeyboardInterrupt):
                signal.raise_signal(signal.SIGINT)
        finally:
            runner.close()

    def test_a_test_leaves_the_sigint_handler_as_it_found_it(self) -> None:
        before = signal.getsignal(signal.SIGINT)
        seen: list[object] = []

        class Case(aiotest.AsyncTestCase):
            async def test_one(self) -> None:
                seen.append(type(self._asyncioRunner))
                await asyncio.sleep(0)

        result = unittest.TestResult()
        Case("test_one").run(result)
        self.assertTrue(result.wasSuccessful(), result.errors)
        self.assertEqual(seen, [TestRunner])
        self.assertIs(signal.getsignal(signal.SIGINT), before)

"""Virtual time: how the clock moves, advance(), autojump, deadlock detection, cancellation."""

from __future__ import annotations

import asyncio
import sys
import time
import unittest

import aiotest
from aiotest._clock import LOOP_STUCK, WHY_NO_AUTOJUMP, WHY_NO_TIMER

from ._clock_helpers import INSTANT, close_loop, run_virtual


class ClockMovesTest(unittest.TestCase):
    def test_an_hour_of_sleep_passes_at_once(self) -> None:
        async def main() -> float:
            loop = asyncio.get_running_loop()
            start = loop.time()
            await asyncio.sleep(3600)
            return loop.time() - start

        started = time.monotonic()
        self.assertEqual(run_virtual(main), 3600)
        self.assertLess(time.monotonic() - started, INSTANT)

    def test_the_same_sleep_takes_real_time_on_a_real_loop(self) -> None:
        # The other side: without the factory, the loop's clock is the real one.
        async def main() -> float:
            loop = asyncio.get_running_loop()
            start = loop.time()
            await asyncio.sleep(0.05)
            return loop.time() - start

        loop = asyncio.new_event_loop()
        try:
            self.assertGreaterEqual(loop.run_until_complete(main()), 0.05)
        finally:
            loop.close()

    def test_timers_fire_in_order_each_at_its_own_time(self) -> None:
        async def main() -> list[tuple[str, float]]:
            loop = asyncio.get_running_loop()
            start = loop.time()
            fired: list[tuple[str, float]] = []
            done = loop.create_future()

            def note(name: str) -> None:
                fired.append((name, loop.time() - start))
                if len(fired) == 3:
                    done.set_result(None)

            loop.call_later(20, note, "later 20")
            loop.call_at(start + 5, note, "at 5")
            loop.call_later(10, note, "later 10")
            await done
            return fired

        self.assertEqual(run_virtual(main), [("at 5", 5), ("later 10", 10), ("later 20", 20)])

    def test_wait_for_times_out_at_its_virtual_deadline(self) -> None:
        async def main() -> float:
            loop = asyncio.get_running_loop()
            start = loop.time()
            with self.assertRaises(asyncio.TimeoutError):
                await asyncio.wait_for(loop.create_future(), 30)
            return loop.time() - start

        self.assertEqual(run_virtual(main), 30)

    def test_nested_wait_for_the_inner_deadline_fires_first(self) -> None:
        async def main() -> float:
            loop = asyncio.get_running_loop()
            start = loop.time()

            async def inner() -> None:
                await asyncio.wait_for(asyncio.sleep(3600), 5)

            with self.assertRaises(asyncio.TimeoutError):
                await asyncio.wait_for(inner(), 60)
            return loop.time() - start

        self.assertEqual(run_virtual(main), 5)

    @unittest.skipUnless(sys.version_info >= (3, 11), "asyncio.timeout() is new in Python 3.11")
    def test_nested_asyncio_timeout(self) -> None:
        if sys.version_info < (3, 11):  # for type checkers; the test is skipped there
            self.skipTest("asyncio.timeout() is new in Python 3.11")

        async def main() -> list[str]:
            loop = asyncio.get_running_loop()
            start = loop.time()
            seen = []
            with self.assertRaises(TimeoutError):
                async with asyncio.timeout(60):
                    try:
                        async with asyncio.timeout(5):
                            await asyncio.sleep(3600)
                    except TimeoutError:
                        seen.append(f"inner at {loop.time() - start:g}")
                    await asyncio.sleep(3600)
            seen.append(f"outer at {loop.time() - start:g}")
            return seen

        self.assertEqual(run_virtual(main), ["inner at 5", "outer at 60"])

    def test_wall_clock_is_not_touched(self) -> None:
        async def main() -> float:
            before = time.time()
            await asyncio.sleep(3600)
            return time.time() - before

        self.assertLess(run_virtual(main), INSTANT)

    def test_jumped_counts_skipped_seconds(self) -> None:
        async def main() -> float:
            await asyncio.sleep(7)
            await asyncio.sleep(3)
            return aiotest.clock_of().jumped

        self.assertEqual(run_virtual(main), 10)


class CancellationTest(unittest.TestCase):
    def test_cancelling_a_sleeper_stops_the_clock_at_the_cancel(self) -> None:
        async def main() -> tuple[bool, float]:
            loop = asyncio.get_running_loop()
            start = loop.time()
            sleeper = asyncio.ensure_future(asyncio.sleep(3600))
            await asyncio.sleep(2)
            sleeper.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await sleeper
            return sleeper.cancelled(), loop.time() - start

        self.assertEqual(run_virtual(main), (True, 2))

    def test_a_cancelled_timer_is_not_jumped_to(self) -> None:
        async def main() -> float:
            loop = asyncio.get_running_loop()
            start = loop.time()
            loop.call_later(5, lambda: None).cancel()
            await asyncio.sleep(100)
            return loop.time() - start

        self.assertEqual(run_virtual(main), 100)


class AdvanceTest(unittest.TestCase):
    def test_advance_fires_due_timers_at_their_times_with_autojump_off(self) -> None:
        async def main() -> tuple[list[float], float]:
            loop = asyncio.get_running_loop()
            clock = aiotest.clock_of(loop)
            clock.autojump = False
            start = loop.time()
            fired: list[float] = []

            def tick() -> None:
                fired.append(loop.time() - start)
                loop.call_later(3, tick)

            loop.call_later(3, tick)
            await clock.advance(10)
            return fired, loop.time() - start

        self.assertEqual(run_virtual(main), ([3, 6, 9], 10))

    def test_advance_by_fractions_reaches_each_target(self) -> None:
        async def main() -> float:
            loop = asyncio.get_running_loop()
            clock = aiotest.clock_of(loop)
            clock.autojump = False
            clock.stuck_timeout = 0.5
            start = loop.time()
            for _ in range(100):
                await clock.advance(0.1)  # never a whole number: rounding on every step
            return loop.time() - start

        self.assertAlmostEqual(run_virtual(main), 10, places=6)

    def test_without_autojump_a_sleep_nobody_advances_is_reported_stuck(self) -> None:
        async def main() -> None:
            clock = aiotest.clock_of()
            clock.autojump = False
            clock.stuck_timeout = 0.1
            await asyncio.sleep(1)

        with self.assertRaises(aiotest.LoopStuck) as caught:
            run_virtual(main)
        self.assertIn(WHY_NO_AUTOJUMP, str(caught.exception))

    def test_advance_with_autojump_on_is_a_sleep(self) -> None:
        async def main() -> float:
            loop = asyncio.get_running_loop()
            start = loop.time()
            await aiotest.clock_of().advance(42)
            return loop.time() - start

        self.assertEqual(run_virtual(main), 42)

    def test_advance_takes_seconds_zero_or_more(self) -> None:
        async def main() -> None:
            clock = aiotest.clock_of()
            await clock.advance(0)
            for bad in (-1, float("nan"), float("inf"), "5", True):
                with self.subTest(value=bad), self.assertRaises(ValueError) as caught:
                    await clock.advance(bad)  # type: ignore[arg-type]
                self.assertIn(
                    "Clock.advance() takes a finite number of seconds", str(caught.exception)
                )

        run_virtual(main)

    def test_stuck_timeout_takes_positive_seconds(self) -> None:
        async def main() -> None:
            clock = aiotest.clock_of()
            for bad in (0, -1, float("nan")):
                with self.subTest(value=bad), self.assertRaises(ValueError):
                    clock.stuck_timeout = bad
            clock.stuck_timeout = 0.5
            self.assertEqual(clock.stuck_timeout, 0.5)

        run_virtual(main)


class DeadlockTest(unittest.TestCase):
    def test_a_future_nobody_resolves_raises_loop_stuck_after_the_bound(self) -> None:
        async def main() -> None:
            aiotest.clock_of().stuck_timeout = 0.2
            await asyncio.get_running_loop().create_future()

        started = time.monotonic()
        with self.assertRaises(aiotest.LoopStuck) as caught:
            run_virtual(main)
        waited = time.monotonic() - started
        self.assertGreaterEqual(waited, 0.2)
        self.assertLess(waited, 0.2 + INSTANT)
        self.assertIn(WHY_NO_TIMER, str(caught.exception))
        self.assertTrue(str(caught.exception).startswith(LOOP_STUCK.split("{")[0]))

    def test_without_on_stuck_the_waiting_tasks_are_cancelled_too(self) -> None:
        loop = aiotest.virtual_loop_factory()()
        try:
            aiotest.clock_of(loop).stuck_timeout = 0.05
            waiter = loop.create_task(asyncio.Event().wait())
            with self.assertRaises(aiotest.LoopStuck):
                loop.run_until_complete(asyncio.wait({waiter}))
            # The cancellation is delivered when the loop runs again, so teardown can end.
            loop.run_until_complete(asyncio.wait({waiter}))
            self.assertTrue(waiter.cancelled())
        finally:
            close_loop(loop)

    def test_on_stuck_is_called_instead_and_may_cancel_the_test(self) -> None:
        calls: list[float] = []

        async def main() -> None:
            clock = aiotest.clock_of()
            clock.stuck_timeout = 0.1
            task = asyncio.current_task()
            assert task is not None

            def on_stuck() -> None:
                calls.append(clock.stuck_for())
                task.cancel()

            clock.on_stuck = on_stuck
            await asyncio.Event().wait()

        with self.assertRaises(asyncio.CancelledError):
            run_virtual(main)
        self.assertEqual(len(calls), 1)
        self.assertGreaterEqual(calls[0], 0.1)

    def test_a_loop_with_a_timer_pending_is_not_stuck(self) -> None:
        async def main() -> str:
            clock = aiotest.clock_of()
            clock.stuck_timeout = 0.05
            clock.on_stuck = lambda: self.fail("a pending timer is progress")
            await asyncio.sleep(10**6)
            return "woke"

        self.assertEqual(run_virtual(main), "woke")

    def test_stuck_for_is_zero_while_the_loop_makes_progress(self) -> None:
        async def main() -> float:
            await asyncio.sleep(1)
            return aiotest.clock_of().stuck_for()

        self.assertEqual(run_virtual(main), 0.0)


class ClassScopeTest(unittest.TestCase):
    """One loop shared by several tests, as a class-scoped fixture shares it."""

    loop: asyncio.AbstractEventLoop
    start: float
    times: list[float]

    @classmethod
    def setUpClass(cls) -> None:
        cls.loop = aiotest.virtual_loop_factory()()
        cls.times = []

        async def fixture() -> float:
            # A class-scoped fixture that waits: it runs on virtual time too.
            await asyncio.sleep(600)
            return asyncio.get_running_loop().time()

        cls.start = cls.loop.time()
        cls.times.append(cls.loop.run_until_complete(fixture()) - cls.start)

    @classmethod
    def tearDownClass(cls) -> None:
        close_loop(cls.loop)

    def _sleep(self, seconds: float) -> float:
        async def body() -> float:
            await asyncio.sleep(seconds)
            return asyncio.get_running_loop().time()

        return self.loop.run_until_complete(body()) - self.start

    def test_1_first(self) -> None:
        self.assertEqual(self.times, [600])
        self.times.append(self._sleep(60))
        self.assertEqual(self.times, [600, 660])

    def test_2_second_keeps_the_same_clock(self) -> None:
        self.times.append(self._sleep(30))
        self.assertEqual(self.times[-1], self.times[-2] + 30)
        self.assertIs(aiotest.clock_of(self.loop), aiotest.clock_of(self.loop))

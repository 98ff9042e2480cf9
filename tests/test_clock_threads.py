"""Virtual time and real threads: executor jobs, threads the test starts, call_soon_threadsafe."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
import unittest

import aiotest

from ._clock_helpers import INSTANT, run_virtual


async def ticker() -> None:
    while True:
        await asyncio.sleep(1)


def slow_job(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


class ExecutorTest(unittest.TestCase):
    def test_the_clock_does_not_jump_past_a_running_executor_job(self) -> None:
        async def main() -> tuple[str, float, str | None]:
            loop = asyncio.get_running_loop()
            background = asyncio.ensure_future(ticker())
            start = loop.time()
            job = loop.run_in_executor(None, slow_job, 0.2)
            await asyncio.sleep(0)
            busy = aiotest.clock_of(loop).busy()
            result = await asyncio.wait_for(job, 5)
            background.cancel()
            return result, loop.time() - start, busy

        result, elapsed, busy = run_virtual(main)
        self.assertEqual(result, "done")
        self.assertGreater(elapsed, 0.1)
        self.assertLess(elapsed, 1)
        self.assertEqual(busy, "1 executor job(s) running")

    def test_to_thread_and_an_own_thread_pool_count_too(self) -> None:
        async def main() -> list[str | None]:
            loop = asyncio.get_running_loop()
            clock = aiotest.clock_of(loop)
            seen = []
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                gate = threading.Event()
                job = loop.run_in_executor(pool, gate.wait, 5)
                thread_job = asyncio.ensure_future(asyncio.to_thread(gate.wait, 5))
                await asyncio.sleep(0)
                seen.append(clock.busy())
                gate.set()
                await asyncio.gather(job, thread_job)
                seen.append(clock.busy())
            return seen

        self.assertEqual(run_virtual(main), ["2 executor job(s) running", None])

    def test_a_job_cancelled_while_it_runs_still_holds_the_clock(self) -> None:
        async def main() -> tuple[str | None, str | None, float]:
            loop = asyncio.get_running_loop()
            clock = aiotest.clock_of(loop)
            gate = threading.Event()
            release = loop.call_later(30, gate.set)
            started = threading.Event()

            def job() -> None:
                started.set()
                gate.wait(5)

            future = loop.run_in_executor(None, job)
            await asyncio.to_thread(started.wait, 5)
            start = loop.time()
            with self.assertRaises(asyncio.TimeoutError):
                await asyncio.wait_for(future, 0.05)
            after_cancel = clock.busy()
            release.cancel()
            gate.set()
            await asyncio.sleep(0.3)
            return after_cancel, clock.busy(), loop.time() - start

        after_cancel, at_end, elapsed = run_virtual(main)
        self.assertEqual(after_cancel, "1 executor job(s) running")
        self.assertIsNone(at_end)
        self.assertGreater(elapsed, 0.3)
        self.assertLess(elapsed, 30)

    def test_idle_executor_workers_do_not_hold_the_clock(self) -> None:
        async def main() -> float:
            loop = asyncio.get_running_loop()
            await asyncio.gather(*(asyncio.to_thread(time.sleep, 0.01) for _ in range(4)))
            start = loop.time()
            await asyncio.sleep(3600)
            return loop.time() - start

        started = time.monotonic()
        # The jobs took real time, so the start is no whole number: hence almost equal.
        self.assertAlmostEqual(run_virtual(main), 3600, places=6)
        self.assertLess(time.monotonic() - started, INSTANT)

    def test_a_process_pool_job_holds_the_clock_until_its_future_is_done(self) -> None:
        async def main() -> tuple[str, float, str | None]:
            loop = asyncio.get_running_loop()
            background = asyncio.ensure_future(ticker())
            with concurrent.futures.ProcessPoolExecutor(1) as pool:
                start = loop.time()
                job = loop.run_in_executor(pool, slow_job, 0.2)
                busy = aiotest.clock_of(loop).busy()
                result = await asyncio.wait_for(job, 5)
                elapsed = loop.time() - start
            background.cancel()
            return result, elapsed, busy

        result, elapsed, busy = run_virtual(main)
        self.assertEqual(result, "done")
        self.assertEqual(busy, "1 executor job(s) running")
        self.assertGreater(elapsed, 0.1)
        self.assertLess(elapsed, 5)

    def test_coroutines_are_still_refused_by_run_in_executor_in_debug_mode(self) -> None:
        async def coroutine_function() -> None:
            pass

        async def main() -> None:
            loop = asyncio.get_running_loop()
            loop.set_debug(True)
            with self.assertRaises(TypeError):
                await loop.run_in_executor(None, coroutine_function)  # type: ignore[unused-coroutine]
            self.assertIsNone(aiotest.clock_of(loop).busy())

        run_virtual(main)


class ThreadTest(unittest.TestCase):
    def test_a_thread_that_will_call_back_holds_the_clock(self) -> None:
        async def main() -> tuple[str, float, str | None]:
            loop = asyncio.get_running_loop()
            background = asyncio.ensure_future(ticker())
            future: asyncio.Future[str] = loop.create_future()

            def worker() -> None:
                time.sleep(0.2)
                loop.call_soon_threadsafe(future.set_result, "from the thread")

            thread = threading.Thread(target=worker, name="callback-worker")
            start = loop.time()
            thread.start()
            busy = aiotest.clock_of(loop).busy()
            result = await asyncio.wait_for(future, 5)
            background.cancel()
            await asyncio.to_thread(thread.join)
            return result, loop.time() - start, busy

        result, elapsed, busy = run_virtual(main)
        self.assertEqual(result, "from the thread")
        self.assertGreater(elapsed, 0.1)
        self.assertLess(elapsed, 1)
        self.assertEqual(busy, "thread 'callback-worker' started after the loop is alive")

    def test_a_timer_scheduled_from_a_thread_runs_at_its_virtual_time(self) -> None:
        async def main() -> float:
            loop = asyncio.get_running_loop()
            start = loop.time()
            fired: asyncio.Future[float] = loop.create_future()

            def schedule() -> None:
                loop.call_later(120, lambda: fired.set_result(loop.time() - start))

            thread = threading.Thread(target=loop.call_soon_threadsafe, args=(schedule,))
            thread.start()
            result = await fired
            thread.join()
            return result

        started = time.monotonic()
        elapsed = run_virtual(main)
        self.assertGreaterEqual(elapsed, 120)
        self.assertLess(elapsed, 120 + INSTANT)
        self.assertLess(time.monotonic() - started, INSTANT)

    def test_a_loop_waiting_on_a_live_thread_is_not_reported_stuck(self) -> None:
        async def main() -> str:
            loop = asyncio.get_running_loop()
            clock = aiotest.clock_of(loop)
            clock.stuck_timeout = 0.05
            future: asyncio.Future[str] = loop.create_future()

            def worker() -> None:
                time.sleep(0.3)  # six stuck bounds: a stuck loop would have said so
                loop.call_soon_threadsafe(future.set_result, "answered")

            thread = threading.Thread(target=worker)
            thread.start()
            try:
                return await future  # no timer pending, only the thread
            finally:
                thread.join()

        self.assertEqual(run_virtual(main), "answered")

    def test_threads_alive_before_the_loop_do_not_hold_it(self) -> None:
        stop = threading.Event()
        thread = threading.Thread(target=stop.wait, name="older-than-the-loop")
        thread.start()
        self.addCleanup(thread.join)
        self.addCleanup(stop.set)

        async def main() -> tuple[str | None, float]:
            loop = asyncio.get_running_loop()
            start = loop.time()
            await asyncio.sleep(3600)
            return aiotest.clock_of(loop).busy(), loop.time() - start

        self.assertEqual(run_virtual(main), (None, 3600))

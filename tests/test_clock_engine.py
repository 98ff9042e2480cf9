"""Virtual time under the engine: self.clock, a real-time timeout, and a stuck loop's report."""

from __future__ import annotations

import asyncio
import time
import unittest

from aiohttp import web

import aiotest

from ._support import make_app, problems
from .test_no_hangs import listed, run_suite


class VirtualTimeCaseTest(unittest.TestCase):
    def test_an_hour_of_sleep_passes_at_once_and_the_clock_says_so(self) -> None:
        seen: list[float] = []

        class Sleeper(aiotest.AsyncTestCase):
            virtual_time = True
            loop_factory = asyncio.new_event_loop  # not AIOTEST_LOOP's: uvloop is refused

            async def test_sleeps(self) -> None:
                before = self.clock.time()
                await asyncio.sleep(3600)
                seen.append(self.clock.time() - before)

        result = unittest.TestResult()
        started = time.monotonic()
        Sleeper("test_sleeps").run(result)
        self.assertEqual(problems(result), [])
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(len(seen), 1)
        self.assertGreaterEqual(seen[0], 3600)

    def test_the_timeout_counts_real_seconds_under_virtual_time(self) -> None:
        class Sleeper(aiotest.AsyncTestCase):
            virtual_time = True
            loop_factory = asyncio.new_event_loop  # not AIOTEST_LOOP's: uvloop is refused
            timeout = 5

            async def test_sleeps_longer_than_the_timeout(self) -> None:
                await asyncio.sleep(3600)

        result = unittest.TestResult()
        Sleeper("test_sleeps_longer_than_the_timeout").run(result)
        self.assertEqual(problems(result), [])

    def test_self_clock_without_virtual_time_names_the_setting(self) -> None:
        class Real(aiotest.AsyncTestCase):
            async def test_clock(self) -> None:
                self.clock  # noqa: B018 - the access is what fails

        result = unittest.TestResult()
        Real("test_clock").run(result)
        [(_, report)] = result.errors
        self.assertIn("turn the virtual_time setting on", report)

    def test_class_scope_keeps_virtual_time_for_every_test(self) -> None:
        class Shared(aiotest.AioHTTPTestCase):
            server_scope = "class"
            virtual_time = True
            loop_factory = asyncio.new_event_loop  # not AIOTEST_LOOP's: uvloop is refused

            async def get_application(self) -> web.Application:
                return make_app()

            async def test_1(self) -> None:
                await asyncio.sleep(600)
                async with self.client.get("/") as response:
                    self.assertEqual(await response.text(), "Hello, world")

            async def test_2(self) -> None:
                self.assertGreaterEqual(self.clock.time() - self.clock.jumped, 0)
                await asyncio.sleep(600)

        result = unittest.TestResult()
        started = time.monotonic()
        unittest.defaultTestLoader.loadTestsFromTestCase(Shared).run(result)
        self.assertEqual(problems(result), [])
        self.assertLess(time.monotonic() - started, 10)


class CheckUntilDueTest(aiotest.AsyncTestCase):
    virtual_time = True
    loop_factory = asyncio.new_event_loop  # not AIOTEST_LOOP's: uvloop is refused
    timeout = 10  # real seconds: a spinning loop fails here instead of hanging the run

    async def test_a_callback_rescheduled_while_now_is_not_past_its_deadline_ends(self) -> None:
        # What aiohttp 3.10's keep-alive check does: "if now <= close_time: call again at
        # close_time". On a clock that stood still at close_time it would run forever.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 15
        checked: asyncio.Future[float] = loop.create_future()

        def check() -> None:
            if loop.time() <= deadline:
                loop.call_at(deadline, check)
                return
            checked.set_result(loop.time())

        loop.call_at(deadline, check)
        ended = await checked
        self.assertGreater(ended, deadline)
        self.assertLess(ended - deadline, 1e-6)


class StuckLoopTest(unittest.TestCase):
    def test_waiting_on_what_can_never_happen_fails_with_the_pending_tasks(self) -> None:
        rc, output, elapsed = run_suite(
            """
            import asyncio, aiotest

            class Waits(aiotest.AsyncTestCase):
                virtual_time = True
                loop_factory = asyncio.new_event_loop

                async def test_1_waits_forever(self):
                    await asyncio.get_running_loop().create_future()  # nobody resolves it

                async def test_2_next(self):
                    await asyncio.sleep(60)
            """
        )
        self.assertEqual(rc, 1, output)
        self.assertIn("Ran 2 tests", output)
        self.assertIn("the test waits on something that can never happen", output)
        self.assertIn("test_1_waits_forever was cancelled", output)
        self.assertIn("create_future()  # nobody resolves it", output)
        self.assertRegex(output, listed("test_2_next", "Waits", "ok"))
        self.assertLess(elapsed, 30)


if __name__ == "__main__":
    unittest.main()

"""No test takes the run down with it: hangs end, blame lands on the test that did it.

The hanging suites run in a subprocess with an outer time limit, so that a regression fails
this suite instead of hanging it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
from pathlib import Path

from aiohttp import web

import aiotest

from ._support import make_app, problems


def listed(test: str, case: str, outcome: str) -> str:
    """The line unittest -v prints for a test (3.10 leaves the name out of the brackets)."""
    return rf"{test} \(hanging_suite\.{case}(\.{test})?\) \.\.\. {outcome}"


# Far beyond what any of these runs needs; reaching it means the run hung.
OUTER_LIMIT = 60


def run_suite(source: str, *, env: dict[str, str] | None = None) -> tuple[int, str, float]:
    """Run ``source`` as a test module under ``python -m unittest``; return rc, output, time."""
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "hanging_suite.py").write_text(textwrap.dedent(source))
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "unittest", "-v", "hanging_suite"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=OUTER_LIMIT,
            env={**os.environ, **(env or {})},
        )
        return done.returncode, done.stdout + done.stderr, time.monotonic() - started


class TimeoutEndsTheTestTest(unittest.TestCase):
    def test_a_body_that_swallows_every_cancellation_fails_and_the_run_goes_on(self) -> None:
        rc, output, elapsed = run_suite(
            """
            import asyncio, aiotest

            class Stubborn(aiotest.AsyncTestCase):
                timeout = 0.5

                async def test_1_swallows(self):
                    while True:
                        try:
                            await asyncio.sleep(10)
                        except asyncio.CancelledError:
                            pass

                async def test_2_next(self):
                    await asyncio.sleep(0)
            """
        )
        self.assertEqual(rc, 1, output)
        self.assertIn("Ran 2 tests", output)
        self.assertRegex(output, listed("test_2_next", "Stubborn", "ok"))
        self.assertIn("did not finish within its timeout of 0.5 s", output)
        self.assertIn("test_1_swallows did not stop within 1 s of being cancelled", output)
        self.assertIn("await asyncio.sleep(10)", output)
        self.assertLess(elapsed, 30)

    def test_a_stubborn_task_left_running_fails_its_test_and_is_abandoned(self) -> None:
        rc, output, _ = run_suite(
            """
            import asyncio, aiotest

            async def stubborn():
                while True:
                    try:
                        await asyncio.sleep(10)
                    except asyncio.CancelledError:
                        pass

            class LeavesATask(aiotest.AsyncTestCase):
                async def test_1_returns(self):
                    self.task = asyncio.ensure_future(stubborn())
                    await asyncio.sleep(0)

                async def test_2_next(self):
                    await asyncio.sleep(0)
            """
        )
        self.assertEqual(rc, 1, output)
        self.assertIn("Ran 2 tests", output)
        self.assertRegex(output, listed("test_1_returns", "LeavesATask", "FAIL"))
        self.assertRegex(output, listed("test_2_next", "LeavesATask", "ok"))
        self.assertIn("task(s) that ignored cancellation", output)
        self.assertIn("(stubborn)", output)
        # Nothing of it speaks up later in the run.
        self.assertNotIn("Task was destroyed but it is pending", output)

    def test_a_blocking_call_is_reported_against_the_body_with_its_stack(self) -> None:
        rc, output, _ = run_suite(
            """
            import time, aiotest

            class Blocks(aiotest.AsyncTestCase):
                timeout = 0.3

                async def test_blocks(self):
                    time.sleep(1.2)  # the blocking line
            """
        )
        self.assertEqual(rc, 1, output)
        self.assertIn("did not finish within its timeout of 0.3 s", output)
        self.assertIn("The loop was blocked when the timeout expired", output)
        self.assertIn("time.sleep(1.2)  # the blocking line", output)
        self.assertIn("test_blocks", output)
        self.assertNotIn("web_runner.py", output)

    @unittest.skipIf(sys.platform == "win32", "POSIX signals")
    def test_one_ctrl_c_stops_a_run_whose_test_swallows_cancellation(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            Path(folder, "hanging_suite.py").write_text(
                textwrap.dedent(
                    """
                    import asyncio, aiotest

                    class Stubborn(aiotest.AsyncTestCase):
                        async def test_swallows(self):
                            print("started", flush=True)
                            while True:
                                try:
                                    await asyncio.sleep(10)
                                except asyncio.CancelledError:
                                    pass
                    """
                )
            )
            process = subprocess.Popen(
                [sys.executable, "-m", "unittest", "hanging_suite"],
                cwd=folder,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            try:
                assert process.stdout is not None
                self.assertEqual(process.stdout.readline().strip(), "started")
                started = time.monotonic()
                process.send_signal(signal.SIGINT)
                output, _ = process.communicate(timeout=OUTER_LIMIT)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        self.assertLess(time.monotonic() - started, 20)
        self.assertNotEqual(process.returncode, 0)
        self.assertIn("KeyboardInterrupt", output)


class SharedHello(aiotest.AioHTTPTestCase):
    """The "Hello, world" app, shared by every test of a class."""

    server_scope = "class"

    async def get_application(self) -> web.Application:
        return make_app()


class ClassScopeBlameTest(unittest.TestCase):
    def only_failure(self, case: type[unittest.TestCase], test_name: str) -> str:
        """Run every test of ``case``; return the report of its one failure, by ``test_name``."""
        result = unittest.TestResult()
        unittest.defaultTestLoader.loadTestsFromTestCase(case).run(result)
        self.assertEqual(result.errors, [])
        [(failed, report)] = result.failures
        self.assertEqual(failed.id().rsplit(".", 1)[-1], test_name)
        return report

    def test_tasks_a_test_leaves_are_cancelled_when_it_ends(self) -> None:
        ticks: list[str] = []

        class Shared(SharedHello):
            async def test_1_leaves_a_ticker(self) -> None:
                import asyncio

                async def ticker() -> None:
                    while True:
                        await asyncio.sleep(0.01)
                        ticks.append("tick")
                        if len(ticks) > 3:
                            raise RuntimeError("the leaked task failed later")

                self.task = asyncio.ensure_future(ticker())
                await asyncio.sleep(0)

            @aiotest.catch_loop_exceptions
            async def test_2_innocent(self) -> None:
                import asyncio

                ticks.append("test 2 starts")
                await asyncio.sleep(0.1)
                async with self.client.get("/") as response:
                    self.assertEqual(response.status, 200)

        result = unittest.TestResult()
        unittest.defaultTestLoader.loadTestsFromTestCase(Shared).run(result)
        self.assertEqual(problems(result), [])
        self.assertEqual(ticks, ["test 2 starts"])

    def test_a_leaking_test_is_blamed_in_class_scope(self) -> None:
        class Shared(SharedHello):
            check_leaks = True

            async def test_1_leaks(self) -> None:
                import asyncio

                self.task = asyncio.ensure_future(asyncio.sleep(3600))
                await asyncio.sleep(0)

            async def test_2_clean(self) -> None:
                async with self.client.get("/") as response:
                    self.assertEqual(response.status, 200)

        report = self.only_failure(Shared, "test_1_leaks")
        self.assertIn("is still pending", report)

    def test_garbage_of_an_earlier_test_is_not_blamed_on_the_next(self) -> None:
        class Cycle:
            pass

        class Shared(SharedHello):
            async def test_1_drops_a_failed_task_in_a_cycle(self) -> None:
                import asyncio

                async def fail() -> None:
                    raise RuntimeError("dropped in a cycle")

                holder = Cycle()
                holder.task = asyncio.ensure_future(fail())  # type: ignore[attr-defined]
                holder.me = holder  # type: ignore[attr-defined]
                await asyncio.sleep(0.01)

            @aiotest.catch_loop_exceptions
            async def test_2_only_catches_loop_exceptions(self) -> None:
                import asyncio

                await asyncio.sleep(0)

        result = unittest.TestResult()
        with self.assertLogs("asyncio", level="ERROR") as logged:
            unittest.defaultTestLoader.loadTestsFromTestCase(Shared).run(result)
        self.assertEqual(problems(result), [])
        # Collected before the second test's guards started: logged, not blamed on it.
        self.assertIn("dropped in a cycle", "\n".join(logged.output))

    def test_a_test_that_closes_the_shared_client_fails_and_the_next_gets_a_new_one(
        self,
    ) -> None:
        class Shared(SharedHello):
            async def test_1_closes_the_client(self) -> None:
                await self.client.close()

            async def test_2_uses_the_client(self) -> None:
                async with self.client.get("/") as response:
                    self.assertEqual(response.status, 200)

        report = self.only_failure(Shared, "test_1_closes_the_client")
        self.assertIn("test_1_closes_the_client closed the client that every test", report)


class BadConfigurationTest(unittest.TestCase):
    def test_a_bad_aiotest_value_fails_each_test_and_the_run_still_reports(self) -> None:
        rc, output, _ = run_suite(
            """
            import unittest, aiotest

            class Case(aiotest.AsyncTestCase):
                async def test_a(self):
                    pass

                async def test_b(self):
                    pass

            class Plain(unittest.TestCase):
                def test_plain(self):
                    pass
            """,
            env={"AIOTEST_TIMEOUT": "abc"},
        )
        self.assertEqual(rc, 1, output)
        self.assertIn("Ran 3 tests", output)
        self.assertIn("FAILED (errors=2)", output)
        self.assertEqual(output.count("AIOTEST_TIMEOUT='abc'"), 2)

    def test_pythonasynciodebug_2_is_debug_mode_as_in_cpython(self) -> None:
        rc, output, _ = run_suite(
            """
            import asyncio, aiotest

            class Case(aiotest.AsyncTestCase):
                async def test_debug_is_on(self):
                    assert asyncio.get_running_loop().get_debug()
            """,
            env={"PYTHONASYNCIODEBUG": "2"},
        )
        self.assertEqual(rc, 0, output)
        self.assertIn("OK", output)


class GuardedCaseStillWorksTest(unittest.TestCase):
    def test_nothing_is_left_for_the_next_test_after_an_abandoned_task(self) -> None:
        class Stubborn(aiotest.AsyncTestCase):
            async def test_1(self) -> None:
                import asyncio

                async def stubborn() -> None:
                    while True:
                        with contextlib.suppress(asyncio.CancelledError):
                            await asyncio.sleep(10)

                self.task = asyncio.ensure_future(stubborn())
                await asyncio.sleep(0)

        class Next(aiotest.AsyncTestCase):
            catch_loop_exceptions = True

            async def test_2(self) -> None:
                import asyncio
                import gc

                gc.collect()
                await asyncio.sleep(0)

        result = unittest.TestResult()
        Stubborn("test_1").run(result)
        self.assertEqual(len(result.failures), 1)
        Next("test_2").run(result)
        self.assertEqual(len(result.failures), 1, problems(result))
        self.assertEqual(result.testsRun, 2)


if __name__ == "__main__":
    unittest.main()

"""check_leaks blames a dropped resource on the test that dropped it, never on a later one."""

from __future__ import annotations

import asyncio
import gc
import unittest
import warnings

import aiotest

UNCLOSED_LOOP = "unclosed event loop"


def _run(*cases: type[unittest.TestCase]) -> unittest.TestResult:
    suite = unittest.TestSuite()
    for case in cases:
        suite.addTests(unittest.defaultTestLoader.loadTestsFromTestCase(case))
    result = unittest.TestResult()
    suite.run(result)
    return result


class LeakAttributionTest(unittest.TestCase):
    def test_loop_left_by_an_earlier_test_is_not_blamed_on_the_next(self) -> None:
        class SetsItsOwnLoop(aiotest.AsyncTestCase):
            async def asyncSetUp(self) -> None:
                # Becomes garbage only when the runner resets the policy after the test.
                asyncio.set_event_loop(asyncio.new_event_loop())

            async def test_nothing(self) -> None:
                pass

        class CleanAndStrict(aiotest.AsyncTestCase):
            check_leaks = True

            async def test_nothing(self) -> None:
                pass

        # The dropped loop still warns, as Python's own warning, outside the strict test.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = _run(SetsItsOwnLoop, CleanAndStrict)
            gc.collect()
        self.assertTrue(any(UNCLOSED_LOOP in str(w.message) for w in caught), caught)
        self.assertEqual(result.testsRun, 2)
        self.assertEqual(result.errors, [])
        self.assertEqual(result.failures, [])

    def test_loop_dropped_inside_the_test_still_fails_it(self) -> None:
        class DropsALoop(aiotest.AsyncTestCase):
            check_leaks = True

            async def test_drop(self) -> None:
                asyncio.new_event_loop()

        result = _run(DropsALoop)
        self.assertEqual(len(result.failures), 1)
        self.assertIn(UNCLOSED_LOOP, result.failures[0][1])


if __name__ == "__main__":
    unittest.main()

"""How a decorated test fails: its own traceback, loop errors, a loop stopped early."""

from __future__ import annotations

import asyncio
import unittest
from typing import Any

import aiotest


class FailuresTests(unittest.TestCase):
    def test_how_they_fail(self) -> None:
        def broken_callback() -> None:
            raise ZeroDivisionError("in a loop callback")

        class Case(unittest.TestCase):
            @aiotest.run_forever(timeout=0.01)
            def test_loop_error(self) -> Any:
                # Nobody awaits this callback: the loop's exception handler gets the error,
                # and run_forever fails the test with it.
                asyncio.get_event_loop().call_soon(broken_callback)
                yield from asyncio.sleep(0)

            @aiotest.run_forever(timeout=0.01)
            def test_stops_the_loop(self) -> Any:
                asyncio.get_event_loop().stop()
                yield from asyncio.sleep(0)

        result = unittest.TestResult()
        unittest.defaultTestLoader.loadTestsFromTestCase(Case).run(result)

        [(_, loop_error)] = result.errors
        self.assertIn("in broken_callback", loop_error)  # the original traceback
        self.assertIn("ZeroDivisionError: in a loop callback", loop_error)

        [(_, stopped)] = result.failures
        self.assertIn("the event loop stopped before the test completed", stopped)

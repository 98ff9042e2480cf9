"""Shared helpers of the hygiene and settings tests: running inner test cases on each loop."""

from __future__ import annotations

import asyncio
import unittest
from collections.abc import Callable

import uvloop

LoopFactory = Callable[[], asyncio.AbstractEventLoop]

#: The loops every hygiene behaviour is checked on: asyncio's own and uvloop.
LOOPS: tuple[tuple[str, LoopFactory | None], ...] = (
    ("asyncio", None),
    ("uvloop", uvloop.new_event_loop),
)


def on_loop(case: type[unittest.TestCase], factory: LoopFactory | None) -> type[unittest.TestCase]:
    """Return ``case`` running on loops made by ``factory`` (None: asyncio's own)."""
    if factory is None:
        return case
    return type(case.__name__, (case,), {"loop_factory": factory})


def run_case(case: type[unittest.TestCase], *names: str) -> unittest.TestResult:
    """Run the named tests of ``case`` (all of them by default) and return the result."""
    result = unittest.TestResult()
    if names:
        suite = unittest.TestSuite(case(name) for name in names)
    else:
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
    suite.run(result)
    return result


def problems(result: unittest.TestResult) -> list[str]:
    """The report texts of every failure and error, in order."""
    return [text for _, text in result.failures + result.errors]


class HygieneTestCase(unittest.TestCase):
    """Assertions on the result of an inner test run."""

    def assertPassed(self, result: unittest.TestResult, count: int = 1) -> None:
        self.assertEqual(problems(result), [])
        self.assertEqual(result.testsRun, count)

    def assertFailedWith(self, result: unittest.TestResult, *fragments: str) -> str:
        """Assert exactly one failure (not error) whose report holds every fragment."""
        self.assertEqual([text for _, text in result.errors], [])
        self.assertEqual(len(result.failures), 1, problems(result))
        [(_, text)] = result.failures
        for fragment in fragments:
            self.assertIn(fragment, text)
        return text

    def assertErredWith(self, result: unittest.TestResult, *fragments: str) -> str:
        """Assert exactly one error whose report holds every fragment."""
        self.assertEqual(len(result.errors), 1, problems(result))
        [(_, text)] = result.errors
        for fragment in fragments:
            self.assertIn(fragment, text)
        return text

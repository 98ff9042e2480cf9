"""Shared helpers of the hygiene and settings tests: running inner test cases on each loop."""

from __future__ import annotations

import asyncio
import unittest
from collections.abc import Callable

import uvloop

from ._support import ResultAssertions, problems, run_case

__all__ = ["LOOPS", "HygieneTestCase", "LoopFactory", "on_loop", "run_case"]

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


class HygieneTestCase(ResultAssertions):
    """Assertions on how an inner test run failed."""

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

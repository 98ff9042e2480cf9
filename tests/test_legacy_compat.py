"""A suite in aio.testing's style passes in a fresh interpreter, on every Python in tox.

That includes Python 3.14+, where asyncio.get_event_loop() in setUpClass raises unless
something set a loop.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys
import unittest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SUITE = "tests.aio_testing_style_suite"
EXPECTED_TESTS = (
    "test_example (tests.aio_testing_style_suite.ExampleTestCase",
    "test_yield_from_a_future (tests.aio_testing_style_suite.ExampleTestCase",
    "test_example (tests.aio_testing_style_suite.FutureTestCase",
    "test_example_with_sleep (tests.aio_testing_style_suite.FutureTestCase",
    "test_example (tests.aio_testing_style_suite.MyTestCase",
    "test_example_forever (tests.aio_testing_style_suite.MyTestCase",
    "test_set_up_loop (tests.aio_testing_style_suite.SetUpTestCase",
    "test_subclass (tests.aio_testing_style_suite.SubTestCase",
)


class AioTestingStyleSuiteTest(unittest.TestCase):
    def test_suite_passes(self) -> None:
        completed = subprocess.run(
            # aiotest itself raises no DeprecationWarning, on any Python.
            [sys.executable, "-W", "error::DeprecationWarning", "-m", "unittest", "-v", SUITE],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        report = completed.stderr
        self.assertEqual(completed.returncode, 0, report)
        for name in EXPECTED_TESTS:
            self.assertIn(name, report)
        self.assertIn(f"Ran {len(EXPECTED_TESTS)} tests", report)
        self.assertEqual(report.count(" ... ok"), len(EXPECTED_TESTS), report)


if __name__ == "__main__":
    unittest.main()

"""unittest_run_loop: a deprecated no-op that keeps old suites running."""

from __future__ import annotations

import inspect
import sys
import unittest
import warnings
from typing import Any

from aiohttp import web

import aiotest
from aiotest._messages import UNITTEST_RUN_LOOP_DEPRECATED

from ._support import make_app


class TestUnittestRunLoop(unittest.TestCase):
    def test_returns_the_function_unchanged(self) -> None:
        async def test_something(self: Any) -> None:
            pass

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            decorated = aiotest.unittest_run_loop(test_something)
        self.assertIs(decorated, test_something)

    def test_warns_at_decoration_pointing_at_the_user_line(self) -> None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            decorator_line = inspect.currentframe().f_lineno + 3  # type: ignore[union-attr]

            class Case(aiotest.AioHTTPTestCase):
                @aiotest.unittest_run_loop
                async def test_it(self) -> None:
                    pass

        deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
        self.assertEqual(len(deprecations), 1)
        warning = deprecations[0]
        self.assertEqual(str(warning.message), UNITTEST_RUN_LOOP_DEPRECATED)
        self.assertEqual(warning.filename, __file__)
        # Python 3.10 reports a decorated definition at its 'def' line, later ones at the '@'.
        expected = decorator_line + 1 if sys.version_info < (3, 11) else decorator_line
        self.assertEqual(warning.lineno, expected)

    def test_decorated_test_runs_like_the_undecorated_one(self) -> None:
        calls: list[str] = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)

            class Case(aiotest.AioHTTPTestCase):
                async def get_application(self) -> web.Application:
                    return make_app()

                @aiotest.unittest_run_loop
                async def test_passes(self) -> None:
                    response = await self.client.get("/")
                    calls.append(await response.text())

                @aiotest.unittest_run_loop
                async def test_fails(self) -> None:
                    calls.append("failing")
                    self.assertEqual(1, 2)

                @aiotest.unittest_run_loop
                async def test_errors(self) -> None:
                    raise KeyError("missing")

        result = unittest.TestResult()
        unittest.defaultTestLoader.loadTestsFromTestCase(Case).run(result)
        self.assertEqual(result.testsRun, 3)
        self.assertEqual(
            [test.id().rsplit(".", 1)[1] for test, _ in result.failures], ["test_fails"]
        )
        self.assertIn("AssertionError: 1 != 2", result.failures[0][1])
        self.assertEqual(
            [test.id().rsplit(".", 1)[1] for test, _ in result.errors], ["test_errors"]
        )
        self.assertIn("KeyError: 'missing'", result.errors[0][1])
        self.assertEqual(sorted(calls), ["Hello, world", "failing"])

    def test_error_when_deprecations_are_errors(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            with self.assertRaises(DeprecationWarning):

                @aiotest.unittest_run_loop
                async def test_it(self: Any) -> None:
                    pass


if __name__ == "__main__":
    unittest.main()

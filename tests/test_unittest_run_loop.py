"""unittest_run_loop: a deprecated no-op that keeps old suites running."""

from __future__ import annotations

import inspect
import sys
import unittest
import warnings
from typing import Any

from aiohttp import web

import aiotest
from aiotest._messages import (
    UNITTEST_RUN_LOOP_DEPRECATED,
    UNITTEST_RUN_LOOP_NOT_CALLABLE,
    UNITTEST_RUN_LOOP_ON_A_CLASS,
)

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

    def test_warning_starts_with_aiohttps_own(self) -> None:
        # Suites written for aiohttp assert its text; aiotest's help follows it.
        from aiohttp import test_utils

        async def test_it(self: Any) -> None:
            pass  # pragma: no cover

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            test_utils.unittest_run_loop(test_it)
            aiotest.unittest_run_loop(test_it)
        aiohttp_text, aiotest_text = (str(w.message) for w in caught)
        self.assertTrue(aiotest_text.startswith(aiohttp_text), (aiohttp_text, aiotest_text))
        self.assertGreater(len(aiotest_text), len(aiohttp_text))
        self.assertIn("'async def'", aiotest_text[len(aiohttp_text) :])

    def test_a_class_is_refused_before_any_warning(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            with self.assertRaises(TypeError) as caught:

                @aiotest.unittest_run_loop
                class Case(aiotest.AioHTTPTestCase):
                    async def test_it(self) -> None:
                        pass  # pragma: no cover - never defined

        message = str(caught.exception)
        self.assertEqual(
            message,
            UNITTEST_RUN_LOOP_ON_A_CLASS.format(
                class_name=f"{type(self).__name__}.test_a_class_is_refused_before_any_warning"
                ".<locals>.Case"
            ),
        )
        self.assertIn("decorates test methods, not the class", message)

    def test_a_non_callable_is_refused(self) -> None:
        for value in (5, "test_name", None):
            with (
                self.subTest(value=value),
                warnings.catch_warnings(),
            ):
                warnings.simplefilter("error", DeprecationWarning)
                with self.assertRaises(TypeError) as caught:
                    aiotest.unittest_run_loop(value)
                self.assertEqual(
                    str(caught.exception),
                    UNITTEST_RUN_LOOP_NOT_CALLABLE.format(
                        type_name=type(value).__name__, value=value
                    ),
                )
                self.assertIn(f"not {type(value).__name__} ({value!r})", str(caught.exception))

    def test_error_when_deprecations_are_errors(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            with self.assertRaises(DeprecationWarning):

                @aiotest.unittest_run_loop
                async def test_it(self: Any) -> None:
                    pass


if __name__ == "__main__":
    unittest.main()

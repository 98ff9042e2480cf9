"""Mistakes in settings are refused where they are written, saying what to write instead."""

from __future__ import annotations

import os
import unittest
from unittest import mock

import aiotest


class Mistakes(unittest.TestCase):
    def test_a_class_attribute_is_checked_when_the_class_is_made(self) -> None:
        with self.assertRaisesRegex(ValueError, r"Slow\.timeout takes a number of seconds"):

            class Slow(aiotest.AsyncTestCase):
                timeout = 0  # 0 is not "no limit": write None for that

        with self.assertRaisesRegex(TypeError, r"Leaky\.check_leaks takes True or False"):

            class Leaky(aiotest.AsyncTestCase):
                check_leaks = "no"  # type: ignore[assignment]

        with self.assertRaisesRegex(TypeError, r"give the factory itself, such as uvloop"):

            class OnUvloop(aiotest.AsyncTestCase):
                loop_factory = "uvloop"  # type: ignore[assignment]

    def test_a_mixin_s_setting_must_come_before_aiotest_s_defaults(self) -> None:
        class Slow:
            timeout = 30.0

        with self.assertRaisesRegex(TypeError, r"List Slow first among the bases of Case"):

            class Case(aiotest.AsyncTestCase, Slow):
                pass

        class Fixed(Slow, aiotest.AsyncTestCase):
            async def test_it(self) -> None:
                self.assertEqual(self.settings.timeout, 30.0)

        result = unittest.TestResult()
        Fixed("test_it").run(result)
        self.assertTrue(result.wasSuccessful(), result.failures + result.errors)

    def test_a_decorator_is_refused_where_it_would_do_nothing(self) -> None:
        with self.assertRaisesRegex(TypeError, r"not a property"):

            class Case(aiotest.AsyncTestCase):
                @aiotest.check_leaks
                @property
                def test_it(self) -> None: ...

        with self.assertRaisesRegex(TypeError, r"a unittest.TestCase that aiotest does not run"):

            @aiotest.strict
            class Plain(unittest.TestCase):
                pass

    def test_a_bad_environment_variable_fails_each_test_not_the_run(self) -> None:
        class Case(aiotest.AsyncTestCase):
            async def test_it(self) -> None:
                pass

        # Raised when a test's settings are resolved, never at import.
        with (
            mock.patch.dict(os.environ, {"AIOTEST_TIMEOUT": "ten"}),
            self.assertRaisesRegex(ValueError, r"AIOTEST_TIMEOUT='ten' is not a number"),
        ):
            Case("test_it").settings  # noqa: B018 - resolving them is what raises

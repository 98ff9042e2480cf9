"""Three ways to set a setting: a class attribute, a decorator, the environment."""

from __future__ import annotations

import asyncio
import unittest

import aiotest


class Defaults(aiotest.AsyncTestCase):
    # A class attribute applies to every test of the class...
    timeout = 5.0

    async def test_uses_the_class_timeout(self) -> None:
        self.assertEqual(self.settings.timeout, 5.0)

    # ...and a decorator on one method wins over it.
    @aiotest.timeout(1)
    async def test_uses_its_own_timeout(self) -> None:
        self.assertEqual(self.settings.timeout, 1.0)


@aiotest.check_leaks  # a decorator on a class applies to each of its tests
class Checked(aiotest.AsyncTestCase):
    async def test_checked(self) -> None:
        self.assertTrue(self.settings.check_leaks)
        await asyncio.sleep(0)


class Mistakes(unittest.TestCase):
    def test_switches_take_nothing_true_or_false(self) -> None:
        with self.assertRaisesRegex(TypeError, r"takes nothing, True or False"):
            aiotest.check_leaks("no")

    def test_values_are_checked(self) -> None:
        with self.assertRaisesRegex(ValueError, "a number of seconds greater than 0"):
            aiotest.timeout(0)

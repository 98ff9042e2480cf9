"""asyncio debug mode: off by default, on for one class with loop_debug."""

from __future__ import annotations

from aiotest import AsyncTestCase


class FastTests(AsyncTestCase):
    async def test_debug_mode_is_off(self) -> None:
        self.assertFalse(self.loop.get_debug())


class CarefulTests(AsyncTestCase):
    loop_debug = True  # debug mode for every test of this class

    async def test_debug_mode_is_on(self) -> None:
        self.assertTrue(self.loop.get_debug())

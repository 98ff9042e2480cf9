"""Each private or version-specific touch point of aiotest/_compat.py, checked on its own.

A failure here names the API that changed in Python, asyncio, aiohttp or pytest.
"""

from __future__ import annotations

import selectors
import unittest
from typing import Any

from aiotest import _compat


class CompatModuleTest(unittest.TestCase):
    def test_module_exports_only_what_it_defines(self) -> None:
        for name in _compat.__all__:
            self.assertTrue(hasattr(_compat, name), name)


# clock: the two behaviours of asyncio's selector loop that virtual time rests on.
class SelectorLoopSchedulingTest(unittest.TestCase):
    def test_select_gets_the_delay_to_the_next_timer_measured_with_self_time(self) -> None:
        timeouts: list[float | None] = []

        class Recording(selectors.DefaultSelector):
            def select(self, timeout: float | None = None) -> Any:
                timeouts.append(timeout)
                if timeout != 0:
                    loop.stop()  # record what the loop would block for, then end the round
                return super().select(0)

        class Frozen(_compat.selector_loop_base()):  # type: ignore[misc]
            def time(self) -> float:
                return 1000.0

        loop = Frozen(Recording())
        try:
            timer = loop.call_later(5, lambda: None)
            loop.run_forever()
            self.assertEqual(timeouts, [5.0])  # the delay to the timer, on the loop's clock
            timer.cancel()
            timeouts.clear()
            loop.run_forever()
            self.assertEqual(timeouts, [None])  # no timer: block until I/O
            loop.call_soon(lambda: None)
            timeouts.clear()
            loop.run_forever()
            self.assertEqual(timeouts, [0, None])  # a ready callback: poll only
        finally:
            loop.close()


# clock: end

"""Alarms in real time, kept by one thread for the whole process.

A test's timeout must fire even when the test blocks its loop (``time.sleep`` in a
coroutine) and even when the loop's clock is virtual, so it cannot be a loop timer. One
daemon thread sleeps until the earliest alarm; arming an alarm later than that one costs a
heap push and no wake-up, which is the common case of tests with equal timeouts.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable

__all__ = ["Alarm", "arm", "is_watchdog_thread"]


class Alarm:
    """One armed alarm; :meth:`cancel` it when what it guards has finished."""

    __slots__ = ("_callback", "cancelled", "when")

    def __init__(self, when: float, callback: Callable[[], None]) -> None:
        self.when = when
        self._callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        """Stop the alarm from firing; harmless once it fired."""
        self.cancelled = True

    def fire(self) -> None:
        """Run the callback unless cancelled (in the watchdog thread)."""
        if not self.cancelled:
            self.cancelled = True
            self._callback()


class _Watchdog:
    def __init__(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, Alarm]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None
        # When the thread will wake up by itself; an earlier alarm must wake it.
        self._wakes_at = float("inf")

    def arm(self, delay: float, callback: Callable[[], None]) -> Alarm:
        alarm = Alarm(time.monotonic() + delay, callback)
        with self._condition:
            heapq.heappush(self._heap, (alarm.when, next(self._order), alarm))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="aiotest-watchdog", daemon=True
                )
                self._thread.start()
            elif alarm.when < self._wakes_at:
                self._condition.notify()
        return alarm

    def _run(self) -> None:
        while True:
            with self._condition:
                while self._heap and self._heap[0][2].cancelled:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._wakes_at = float("inf")
                    self._condition.wait()
                    continue
                when = self._heap[0][0]
                now = time.monotonic()
                if when > now:
                    self._wakes_at = when
                    self._condition.wait(when - now)
                    continue
                _, _, alarm = heapq.heappop(self._heap)
            # Outside the lock: a callback may arm another alarm.
            alarm.fire()


_WATCHDOG = _Watchdog()


def is_watchdog_thread(thread: threading.Thread) -> bool:
    """True for the watchdog's own thread: aiotest's, not work the test has in flight."""
    return thread is _WATCHDOG._thread


def arm(delay: float, callback: Callable[[], None]) -> Alarm:
    """Call ``callback`` in the watchdog thread after ``delay`` seconds of real time."""
    return _WATCHDOG.arm(delay, callback)

"""Clock: the virtual time of one loop, the test's controls over it, and the stuck seam.

Virtual time moves in three ways only: it jumps to the next timer when nothing can make
progress any more (autojump), it moves when the test awaits :meth:`Clock.advance`, and it
follows real time while the loop waits for work in flight (see ``aiotest._idle``).
"""

from __future__ import annotations

import asyncio
import bisect
import math
import selectors
import time
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from ._idle import BusyProbe, InFlight

__all__ = ["Clock", "LoopStuck", "loop_monotonic"]

ADVANCE_NOT_SECONDS = "Clock.advance() takes a finite number of seconds, 0 or more, not {value!r}"
STUCK_TIMEOUT_NOT_SECONDS = "Clock.stuck_timeout must be a number of seconds above 0, not {value!r}"
LOOP_STUCK = (
    "the event loop is stuck: nothing is ready, nothing is in flight and {why}, so nothing "
    "can ever wake it (waited {seconds:g} s of real time). Is the test awaiting a future "
    "that nobody resolves, or an event that nobody sets?"
)
WHY_NO_TIMER = "no timer is pending"
WHY_NO_AUTOJUMP = "autojump is off, so the pending timers wait for 'await clock.advance(seconds)'"


class LoopStuck(RuntimeError):
    """A loop on virtual time found that nothing can ever wake it, and nobody handled it."""


def _check_seconds(value: object, template: str, *, allow_zero: bool) -> float:
    ok = (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (value >= 0 if allow_zero else value > 0)
    )
    if not ok:
        raise ValueError(template.format(value=value))
    return float(value)  # type: ignore[arg-type]  # checked just above


class Clock:
    """The virtual clock of one loop made by :func:`virtual_loop_factory`.

    ``time()`` is the loop's time. With ``autojump`` on (the default) the clock jumps to
    the next timer as soon as nothing can make progress; with it off, only
    :meth:`advance` moves it past real time. Wall-clock functions such as
    ``time.time()`` are never touched.
    """

    def __init__(self, start: float) -> None:
        self._now = float(start)
        #: True: jump to the next timer whenever nothing can make progress.
        self.autojump = True
        #: Called when the loop is stuck (see :attr:`stuck_timeout`), instead of cancelling
        #: its tasks and raising :exc:`LoopStuck`; it runs in the loop's thread.
        self.on_stuck: Callable[[], None] | None = None
        self._stuck_timeout = 1.0
        self._stuck_since: float | None = None
        self._targets: list[float] = []
        self._jumped = 0.0
        self._rule = InFlight()
        # The files the loop waits on; its selector plugs itself in here.
        self._files: Callable[[], Mapping[Any, selectors.SelectorKey]] = dict
        self._loop: weakref.ref[asyncio.AbstractEventLoop] | None = None

    def time(self) -> float:
        """Return the current virtual time: what ``loop.time()`` returns."""
        return self._now

    @property
    def jumped(self) -> float:
        """Virtual seconds skipped so far, by autojump and :meth:`advance` together."""
        return self._jumped

    @property
    def stuck_timeout(self) -> float:
        """Real seconds a stuck loop waits before it reports (default 1.0)."""
        return self._stuck_timeout

    @stuck_timeout.setter
    def stuck_timeout(self, seconds: float) -> None:
        self._stuck_timeout = _check_seconds(seconds, STUCK_TIMEOUT_NOT_SECONDS, allow_zero=False)

    async def advance(self, seconds: float) -> None:
        """Move virtual time ``seconds`` ahead, firing each timer due on the way at its time.

        It works with autojump off too: the clock jumps from timer to timer until it
        reaches the target, and returns then.
        """
        seconds = _check_seconds(seconds, ADVANCE_NOT_SECONDS, allow_zero=True)
        target = self._now + seconds
        bisect.insort(self._targets, target)
        try:
            await asyncio.sleep(max(target - self._now, 0))
        finally:
            self._targets.remove(target)

    def busy(self) -> str | None:
        """Return why the clock would not jump now (work in flight), or None if it would."""
        return self._rule.reason(self._files())

    def add_busy_probe(self, probe: BusyProbe) -> None:
        """Before each jump, call ``probe()``; while it returns True, time runs in real time."""
        self._rule.add_probe(probe)

    def remove_busy_probe(self, probe: BusyProbe) -> None:
        """Stop calling ``probe`` before jumps."""
        self._rule.remove_probe(probe)

    def stuck_for(self) -> float:
        """Real seconds the loop has been stuck so far; 0.0 when it is not stuck."""
        since = self._stuck_since
        return 0.0 if since is None else time.monotonic() - since

    # Used by the loop's selector ---------------------------------------------------------

    def _may_jump(self, delay: float) -> bool:
        if self.autojump:
            return True
        if not self._targets:
            return False
        target = self._targets[-1]
        # The loop measures the delay as when - now, and now + delay may round past when.
        return self._now + delay <= target + 4 * math.ulp(target)

    def _jump(self, delay: float) -> None:
        new = self._now + delay
        if new <= self._now:
            # A delay below the float resolution of the clock still has to make progress.
            new = math.nextafter(self._now, math.inf)
        self._jumped += new - self._now
        self._now = new

    def _follow_real_time(self, seconds: float) -> None:
        self._now += seconds

    def _progress(self) -> None:
        self._stuck_since = None

    def _stuck_remaining(self) -> float:
        if self._stuck_since is None:
            self._stuck_since = time.monotonic()
        return self._stuck_timeout - (time.monotonic() - self._stuck_since)

    def _report_stuck(self, timers_pending: bool) -> None:
        seconds = self.stuck_for()
        if self.on_stuck is not None:
            try:
                self.on_stuck()
            finally:
                # The next report comes one whole bound later, if still nothing happens.
                self._stuck_since = None
            return
        self._stuck_since = None
        why = WHY_NO_AUTOJUMP if timers_pending else WHY_NO_TIMER
        message = LOOP_STUCK.format(why=why, seconds=seconds)
        # Nothing can ever wake the waiting tasks: cancel them, so that a runner which goes
        # on to tear down (and waits for them) is not stuck again.
        loop = self._loop() if self._loop is not None else None
        if loop is not None:
            for task in asyncio.all_tasks(loop):
                task.cancel(message)
        raise LoopStuck(message)


def loop_monotonic(loop: asyncio.AbstractEventLoop) -> float:
    """Return ``loop.time()`` on a virtual-time loop, else ``time.monotonic()``.

    For code that measures delays itself: virtual time must follow the loop's clock,
    while some real loops (uvloop) round their clock to whole milliseconds.
    """
    if getattr(loop, "_aiotest_clock", None) is not None:
        return loop.time()
    return time.monotonic()

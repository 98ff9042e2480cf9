"""Stepping the clock by hand, and a wall clock the application reads, on virtual time."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Callable

import aiotest


class Heartbeat:
    """The code under test: counts a beat every ``period`` seconds."""

    def __init__(self, period: float) -> None:
        self.period = period
        self.beats = 0

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.period)
            self.beats += 1


class Cache:
    """Keeps a value for ``ttl`` seconds of the wall clock that it is given."""

    def __init__(self, ttl: datetime.timedelta, now: Callable[[], datetime.datetime]) -> None:
        self.ttl, self.now = ttl, now
        self.value: str | None = None
        self.stored = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)

    def put(self, value: str) -> None:
        self.value, self.stored = value, self.now()

    def get(self) -> str | None:
        return self.value if self.now() - self.stored < self.ttl else None


def virtual_wall_clock(loop: asyncio.AbstractEventLoop) -> Callable[[], datetime.datetime]:
    """A wall clock that starts now and moves with the loop's virtual time."""
    start_wall = datetime.datetime.now(datetime.timezone.utc)
    start_loop = loop.time()
    return lambda: start_wall + datetime.timedelta(seconds=loop.time() - start_loop)


@aiotest.virtual_time
class ManualStepTest(aiotest.AsyncTestCase):
    loop_factory = (
        asyncio.new_event_loop
    )  # virtual time needs asyncio's loop, even in a run with AIOTEST_LOOP=uvloop

    async def test_advance_steps_the_heartbeat(self) -> None:
        clock = aiotest.clock_of()
        clock.autojump = False  # only advance() moves time past real time now
        heartbeat = Heartbeat(period=10)
        task = asyncio.create_task(heartbeat.run())
        await clock.advance(35)
        self.assertEqual(heartbeat.beats, 3)
        await clock.advance(5)
        self.assertEqual(heartbeat.beats, 4)
        task.cancel()


class WallClockTest(aiotest.AsyncTestCase):
    virtual_time = True
    loop_factory = (
        asyncio.new_event_loop
    )  # virtual time needs asyncio's loop, even in a run with AIOTEST_LOOP=uvloop

    async def test_a_cache_ttl_on_the_wall_clock_follows_virtual_time(self) -> None:
        cache = Cache(datetime.timedelta(hours=1), now=virtual_wall_clock(self.loop))
        cache.put("fresh")
        await asyncio.sleep(3599)
        self.assertEqual(cache.get(), "fresh")
        await asyncio.sleep(1)
        self.assertIsNone(cache.get())

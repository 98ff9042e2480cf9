"""Quickstart: plain asyncio code, tested with AsyncTestCase."""

from __future__ import annotations

import asyncio

from aiotest import AsyncTestCase


async def first_done(*delays: float) -> int:
    """Return the index of the delay that finishes first."""

    async def wait(index: int, delay: float) -> int:
        await asyncio.sleep(delay)
        return index

    tasks = [asyncio.create_task(wait(index, delay)) for index, delay in enumerate(delays)]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        return done.pop().result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class FirstDoneTests(AsyncTestCase):
    async def test_the_shortest_delay_wins(self) -> None:
        self.assertEqual(await first_done(0.2, 0.0, 0.1), 1)

    async def test_leaves_no_task_behind(self) -> None:
        await first_done(0.0, 0.2)
        current = asyncio.current_task()
        self.assertEqual([task for task in asyncio.all_tasks() if task is not current], [])

"""Run tests on uvloop, and give the loop a thread pool of your own."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading

import uvloop

import aiotest


class OnUvloop(aiotest.AsyncTestCase):
    # A plain function as a class attribute is used as given, never bound as a method.
    loop_factory = uvloop.new_event_loop

    async def test_runs_on_uvloop(self) -> None:
        self.assertIsInstance(asyncio.get_running_loop(), uvloop.Loop)


class OneTestOnUvloop(aiotest.AsyncTestCase):
    # The class asks for asyncio's loop, whatever AIOTEST_LOOP says; one test asks for uvloop.
    loop_factory = asyncio.new_event_loop

    @aiotest.loop_factory(uvloop.new_event_loop)
    async def test_runs_on_uvloop(self) -> None:
        self.assertIsInstance(asyncio.get_running_loop(), uvloop.Loop)

    async def test_runs_on_asyncio_own_loop(self) -> None:
        self.assertNotIsInstance(asyncio.get_running_loop(), uvloop.Loop)


def small_pool() -> concurrent.futures.ThreadPoolExecutor:
    return concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="worker")


@aiotest.executor_factory(small_pool)
class WithOwnExecutor(aiotest.AsyncTestCase):
    async def test_to_thread_uses_it(self) -> None:
        name = await asyncio.to_thread(lambda: threading.current_thread().name)
        self.assertTrue(name.startswith("worker"))

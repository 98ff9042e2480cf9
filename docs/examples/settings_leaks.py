"""Forgotten tasks and sessions fail the test, which says where they were made."""

from __future__ import annotations

import asyncio
import unittest

import aiohttp

import aiotest


async def refresh_cache_forever() -> None:
    while True:
        await asyncio.sleep(60)


class Leaks(unittest.TestCase):
    def test_leaks_are_named_with_where_they_were_made(self) -> None:
        @aiotest.check_leaks
        class Client(aiotest.AsyncTestCase):
            async def test_forgets_to_clean_up(self) -> None:
                self.refresher = asyncio.create_task(refresh_cache_forever())
                self.session = aiohttp.ClientSession()

        result = unittest.TestResult()
        Client("test_forgets_to_clean_up").run(result)
        [(_, report)] = result.failures
        self.assertIn("the test left 2 thing(s) open or unfinished", report)
        self.assertIn("(refresh_cache_forever) is still pending", report)
        self.assertIn("self.refresher = asyncio.create_task(", report)
        self.assertIn("aiohttp.ClientSession was not closed", report)
        self.assertIn("self.session = aiohttp.ClientSession()", report)


@aiotest.check_leaks
class Tidy(aiotest.AsyncTestCase):
    async def test_closes_what_it_opens(self) -> None:
        async with aiohttp.ClientSession():
            task = asyncio.create_task(asyncio.sleep(0))
            await task

"""A test written for aioresponses, after the one-line import swap."""

from __future__ import annotations

import re

import aiohttp
from yarl import URL

# The swap: this line was 'from aioresponses import CallbackResult, aioresponses'.
from aiotest import AsyncTestCase, CallbackResult, aioresponses


async def fetch_user(session: aiohttp.ClientSession, user_id: int) -> dict[str, object]:
    async with session.get(f"https://api.example.com/users/{user_id}", params={"v": 2}) as r:
        r.raise_for_status()
        return await r.json()  # type: ignore[no-any-return]


class UserTests(AsyncTestCase):
    async def asyncSetUp(self) -> None:
        self.session = aiohttp.ClientSession()

    async def asyncTearDown(self) -> None:
        await self.session.close()

    @aioresponses()
    async def test_user_is_fetched(self, m: aioresponses) -> None:
        m.get("https://api.example.com/users/7?v=2", payload={"id": 7, "name": "Ada"})
        self.assertEqual(await fetch_user(self.session, 7), {"id": 7, "name": "Ada"})
        m.assert_called_once_with("https://api.example.com/users/7", params={"v": 2})
        self.assertIn(("GET", URL("https://api.example.com/users/7?v=2")), m.requests)

    async def test_errors_and_callbacks(self) -> None:
        def echo_id(url: URL, **kwargs: object) -> CallbackResult:
            return CallbackResult(payload={"id": int(url.path.rsplit("/", 1)[1])})

        with aioresponses() as m:
            m.get(
                re.compile(r"^https://api\.example\.com/users/\d+"), callback=echo_id, repeat=True
            )
            self.assertEqual(await fetch_user(self.session, 3), {"id": 3})

        with aioresponses() as m:
            m.get("https://api.example.com/users/0?v=2", status=404)
            with self.assertRaises(aiohttp.ClientResponseError):
                await fetch_user(self.session, 0)
            # aiohttp retries an idempotent request once after a dropped connection, as it
            # would upstream: the error is registered for both attempts.
            dropped = aiohttp.ServerDisconnectedError()
            m.get("https://api.example.com/users/1?v=2", exception=dropped, repeat=2)
            with self.assertRaises(aiohttp.ServerDisconnectedError):
                await fetch_user(self.session, 1)

    async def test_unmatched_request_is_a_connection_error(self) -> None:
        with aioresponses(), self.assertRaises(aiohttp.ClientConnectionError) as caught:
            await fetch_user(self.session, 1)
        self.assertEqual(
            str(caught.exception), "Connection refused: GET https://api.example.com/users/1?v=2"
        )

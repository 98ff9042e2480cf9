"""A fake API declared route by route: each route says what request it expects."""

from __future__ import annotations

import aiohttp

from aiotest import AsyncTestCase, FakeAPI, FakeReply


async def charge(session: aiohttp.ClientSession, amount: int) -> str:
    """The code under test: retries once when the billing service is unavailable."""
    for _ in range(2):
        async with session.post(
            "https://billing.example.com/v1/charges",
            json={"amount": amount},
            headers={"Idempotency-Key": f"charge-{amount}"},
        ) as response:
            if response.status == 503:
                continue
            response.raise_for_status()
            return str((await response.json())["id"])
    raise RuntimeError("billing unavailable")


class ChargeTests(AsyncTestCase):
    async def test_retries_once_after_a_503(self) -> None:
        async with FakeAPI("https://billing.example.com") as billing, aiohttp.ClientSession() as s:
            billing.post(
                "/v1/charges",
                json={"amount": 5},
                headers={"Idempotency-Key": "charge-5"},
                reply=[FakeReply(503), FakeReply(201, json={"id": "ch_1"})],
            )
            self.assertEqual(await charge(s, 5), "ch_1")
            billing.assert_all_called()
        self.assertEqual([r.json() for r in billing.journal], [{"amount": 5}, {"amount": 5}])

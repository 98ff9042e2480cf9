"""FakeAPI: routes matched on the whole request, replies in sequence, explained misses."""

from __future__ import annotations

import unittest

import aiohttp
from aiohttp import web

from aiotest import FakeAPI, FakeReply, _fakes

ORIGIN = "https://billing.example.com"


class FakeAPITest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.session = aiohttp.ClientSession()

    async def asyncTearDown(self) -> None:
        await self.session.close()
        self.assertEqual(_fakes.active_fakes(), [])

    async def test_matching_on_every_part_of_the_request(self) -> None:
        async with FakeAPI(ORIGIN) as api:
            api.post(
                "/v1/charges",
                query={"dry": "1"},
                headers={"Authorization": "Bearer k"},
                json={"amount": 5},
                reply=FakeReply(201, json={"id": "ch_1"}),
            )
            api.put("/v1/raw", body=b"\x00\x01", reply=FakeReply(text="raw ok"))
            async with self.session.post(
                f"{ORIGIN}/v1/charges?dry=1",
                json={"amount": 5},
                headers={"Authorization": "Bearer k"},
            ) as response:
                self.assertEqual(response.status, 201)
                self.assertEqual(await response.json(), {"id": "ch_1"})
            async with self.session.put(f"{ORIGIN}/v1/raw", data=b"\x00\x01") as response:
                self.assertEqual(await response.text(), "raw ok")
            api.assert_all_called()
        self.assertEqual([r.body for r in api.journal], [b'{"amount": 5}', b"\x00\x01"])

    async def test_replies_in_sequence_then_the_last_repeats(self) -> None:
        async with FakeAPI(ORIGIN) as api:
            api.get("/v1/status", reply=[FakeReply(503), FakeReply(200, text="up")])
            statuses = []
            for _ in range(3):
                async with self.session.get(f"{ORIGIN}/v1/status") as response:
                    statuses.append(response.status)
        self.assertEqual(statuses, [503, 200, 200])
        self.assertEqual(len(api.routes[0].calls), 3)

    async def test_handler_route(self) -> None:
        async def handler(request: web.Request) -> web.Response:
            return web.Response(text=f"hello {request.query['name']}")

        async with FakeAPI(ORIGIN) as api:
            api.get("/v1/hello", handler=handler)
            async with self.session.get(f"{ORIGIN}/v1/hello?name=ada") as response:
                self.assertEqual(await response.text(), "hello ada")

    async def test_a_wrong_payload_is_explained_and_fails_the_test(self) -> None:
        api = FakeAPI(ORIGIN)
        with self.assertRaises(AssertionError) as caught:
            async with api:
                api.post("/v1/charges", json={"amount": 5})
                api.get("/v1/charges")
                async with self.session.post(
                    f"{ORIGIN}/v1/charges", json={"amount": 6}
                ) as response:
                    self.assertEqual(response.status, 501)
                    explanation = await response.text()
        message = str(caught.exception)
        for text in (message, explanation):
            self.assertIn("no route of https://billing.example.com matches POST /v1/charges", text)
            self.assertIn("POST /v1/charges: JSON body {'amount': 6} is not {'amount': 5}", text)
            self.assertIn("GET /v1/charges: method POST is not GET", text)

    async def test_header_query_and_body_misses_are_named(self) -> None:
        async with FakeAPI(ORIGIN) as api:
            api.get("/a", headers={"X-Key": "1"})
            api.get("/b", query={"q": "1"})
            api.put("/c", body=b"x")
            await self.session.get(f"{ORIGIN}/a", headers={"X-Key": "2"})
            await self.session.get(f"{ORIGIN}/b?q=2")
            await self.session.put(f"{ORIGIN}/c", data=b"y")
            self.assertEqual(len(api.unmatched), 3)
            self.assertIn("GET /a: header X-Key is '2', not '1'", api.unmatched[0])
            self.assertIn("GET /b: query {'q': '2'} is not {'q': '1'}", api.unmatched[1])
            self.assertIn("PUT /c: body b'y' is not b'x'", api.unmatched[2])
            api.unmatched.clear()  # seen: the block may end cleanly

    async def test_assert_all_called_names_the_missing_route(self) -> None:
        async with FakeAPI(ORIGIN) as api:
            api.get("/v1/one")
            api.get("/v1/two")
            await self.session.get(f"{ORIGIN}/v1/one")
            with self.assertRaisesRegex(AssertionError, r"routes never called: GET /v1/two$"):
                api.assert_all_called()

    def test_reply_and_handler_are_exclusive(self) -> None:
        async def handler(request: web.Request) -> web.Response:
            return web.Response()

        with self.assertRaisesRegex(ValueError, "not both"):
            FakeAPI(ORIGIN).get("/x", reply=FakeReply(), handler=handler)


if __name__ == "__main__":
    unittest.main()

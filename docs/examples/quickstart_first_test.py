"""Quickstart: an application and its first test case."""

from __future__ import annotations

from collections import Counter

from aiohttp import web

from aiotest import AioHTTPTestCase

VISITS = web.AppKey("visits", Counter[str])


async def hello(request: web.Request) -> web.Response:
    name = request.query.get("name", "world")
    request.app[VISITS][name] += 1
    return web.Response(text=f"Hello, {name}")


async def visits(request: web.Request) -> web.Response:
    return web.json_response(request.app[VISITS])


def create_app() -> web.Application:
    app = web.Application()
    app[VISITS] = Counter()
    app.router.add_get("/", hello)
    app.router.add_get("/visits", visits)
    return app


class HelloTests(AioHTTPTestCase):
    async def get_application(self) -> web.Application:
        return create_app()

    async def test_greets_the_world(self) -> None:
        async with self.client.get("/") as response:
            self.assertEqual(response.status, 200)
            self.assertEqual(await response.text(), "Hello, world")

    async def test_greets_by_name(self) -> None:
        async with self.client.get("/", params={"name": "Ada"}) as response:
            self.assertEqual(await response.text(), "Hello, Ada")

    async def test_counts_visits(self) -> None:
        for name in ("Ada", "Ada", "Grace"):
            async with self.client.get("/", params={"name": name}) as response:
                self.assertEqual(response.status, 200)
        async with self.client.get("/visits") as response:
            self.assertEqual(await response.json(), {"Ada": 2, "Grace": 1})
        # self.app is the application the server runs: its state is visible here.
        self.assertEqual(self.app[VISITS]["Ada"], 2)

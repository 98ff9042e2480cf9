"""The unittest examples of the aiohttp testing docs, as users wrote them."""

from __future__ import annotations

import asyncio
import unittest
from types import ModuleType
from typing import Any

from aiohttp import web

from . import load_tests_for

# The docs store a plain value; a dict set before startup avoids changing a started app.
value_key = web.AppKey("value_key", dict[str, str])


async def previous(request: web.Request) -> web.Response:
    if request.method == "POST":
        form = await request.post()
        request.app[value_key]["value"] = str(form["value"])
        return web.Response(body=b"thanks for the data")
    return web.Response(body=f"value: {request.app[value_key]['value']}".encode())


def make_suite(tu: ModuleType) -> list[type[unittest.TestCase]]:
    AioHTTPTestCase: Any = tu.AioHTTPTestCase

    class MyAppTestCase(AioHTTPTestCase):  # type: ignore[misc]
        async def get_application(self) -> web.Application:
            """Override the get_app method to return your application."""

            async def hello(request: web.Request) -> web.Response:
                return web.Response(text="Hello, world")

            app = web.Application()
            app.router.add_get("/", hello)
            return app

        async def test_example(self) -> None:
            async with self.client.request("GET", "/") as resp:
                self.assertEqual(resp.status, 200)
                text = await resp.text()
            self.assertIn("Hello, world", text)

        async def test_await_style(self) -> None:
            resp = await self.client.get("/")
            self.assertEqual(resp.status, 200)
            self.assertEqual(await resp.text(), "Hello, world")

        async def test_fixture_attributes(self) -> None:
            self.assertIsInstance(self.client, tu.TestClient)
            self.assertIsInstance(self.server, tu.TestServer)
            self.assertIs(self.client.server, self.server)
            self.assertIs(self.server.app, self.app)
            self.assertIs(self.loop, asyncio.get_running_loop())

        async def test_missing_route(self) -> None:
            async with self.client.get("/missing") as resp:
                self.assertEqual(resp.status, 404)

    class PreviousValueTestCase(AioHTTPTestCase):  # type: ignore[misc]
        async def get_application(self) -> web.Application:
            app = web.Application()
            app[value_key] = {}
            app.router.add_get("/", previous)
            app.router.add_post("/", previous)
            return app

        async def test_set_value(self) -> None:
            resp = await self.client.post("/", data={"value": "foo"})
            self.assertEqual(resp.status, 200)
            self.assertEqual(await resp.text(), "thanks for the data")
            self.assertEqual(self.client.server.app[value_key]["value"], "foo")

        async def test_get_value(self) -> None:
            self.client.server.app[value_key]["value"] = "bar"
            resp = await self.client.get("/")
            self.assertEqual(resp.status, 200)
            self.assertEqual(await resp.text(), "value: bar")

    class AsyncHooksTestCase(AioHTTPTestCase):  # type: ignore[misc]
        calls: list[str]

        async def get_application(self) -> web.Application:
            app = web.Application()
            app[value_key] = {}
            app.router.add_get("/", previous)
            return app

        async def asyncSetUp(self) -> None:
            await super().asyncSetUp()
            self.calls = ["asyncSetUp"]
            self.app[value_key]["value"] = "from setup"

        async def asyncTearDown(self) -> None:
            await super().asyncTearDown()
            self.assertTrue(self.client.session.closed)

        async def test_setup_ran_first(self) -> None:
            self.assertEqual(self.calls, ["asyncSetUp"])
            async with self.client.get("/") as resp:
                self.assertEqual(await resp.text(), "value: from setup")

    class LegacyHooksTestCase(AioHTTPTestCase):  # type: ignore[misc]
        def get_app(self) -> web.Application:
            app = web.Application()
            app[value_key] = {}
            app.router.add_get("/", previous)
            return app

        async def setUpAsync(self) -> None:
            await super().setUpAsync()
            self.app[value_key]["value"] = "legacy"

        async def tearDownAsync(self) -> None:
            await super().tearDownAsync()

        async def test_get(self) -> None:
            async with self.client.get("/") as resp:
                self.assertEqual(await resp.text(), "value: legacy")

    return [MyAppTestCase, PreviousValueTestCase, AsyncHooksTestCase, LegacyHooksTestCase]


load_tests = load_tests_for(make_suite)

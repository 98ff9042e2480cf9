"""Every HTTP method of the test client, awaited and used with async with."""

from __future__ import annotations

import unittest
from types import ModuleType
from typing import Any

from aiohttp import web

from . import load_tests_for

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


async def echo(request: web.Request) -> web.Response:
    return web.Response(
        text=f"{request.method}:{await request.text()}", headers={"X-Method": request.method}
    )


def make_suite(tu: ModuleType) -> list[type[unittest.TestCase]]:
    AioHTTPTestCase: Any = tu.AioHTTPTestCase

    class HttpMethodsTestCase(AioHTTPTestCase):  # type: ignore[misc]
        async def get_application(self) -> web.Application:
            app = web.Application()
            app.router.add_route("*", "/echo", echo)
            return app

        def call(self, method: str, **kwargs: Any) -> Any:
            return getattr(self.client, method.lower())("/echo", **kwargs)

        async def test_await_each_method(self) -> None:
            for method in METHODS:
                with self.subTest(method=method):
                    resp = await self.call(method, data="payload")
                    self.assertEqual(resp.status, 200)
                    self.assertEqual(resp.headers["X-Method"], method)
                    body = await resp.text()
                    self.assertEqual(body, "" if method == "HEAD" else f"{method}:payload")

        async def test_async_with_each_method(self) -> None:
            for method in METHODS:
                with self.subTest(method=method):
                    async with self.call(method) as resp:
                        self.assertEqual(resp.status, 200)
                        self.assertEqual(resp.method, method)

        async def test_request_with_each_method(self) -> None:
            for method in (*METHODS, "PROPFIND"):
                with self.subTest(method=method):
                    async with self.client.request(method, "/echo") as resp:
                        self.assertEqual(resp.headers["X-Method"], method)
                    resp = await self.client.request(method, "/echo")
                    self.assertEqual(resp.status, 200)

        async def test_json_and_params(self) -> None:
            async with self.client.post("/echo", json={"a": 1}, params={"p": "q"}) as resp:
                self.assertEqual(await resp.text(), 'POST:{"a": 1}')
                self.assertEqual(resp.url.query["p"], "q")

    return [HttpMethodsTestCase]


load_tests = load_tests_for(make_suite)

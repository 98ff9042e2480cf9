"""A suite written for aiohttp.test_utils, after the one-line import swap."""

from __future__ import annotations

import unittest

from aiohttp import web

from aiotest import AioHTTPTestCase, TestClient, TestServer, loop_context, make_mocked_request


async def hello(request: web.Request) -> web.Response:
    return web.Response(text="Hello, world")


def create_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/", hello)
    return app


class MyAppTestCase(AioHTTPTestCase):
    async def get_application(self) -> web.Application:
        return create_app()

    async def test_example(self) -> None:
        async with self.client.request("GET", "/") as resp:
            self.assertEqual(resp.status, 200)
            text = await resp.text()
        self.assertIn("Hello, world", text)


def token_handler(request: web.Request) -> web.Response:
    assert request.headers.get("token") == "x"
    return web.Response(body=b"data")


class MockedRequestTests(unittest.TestCase):
    def test_handler(self) -> None:
        req = make_mocked_request("GET", "/", headers={"token": "x"})
        resp = token_handler(req)
        self.assertEqual(resp.body, b"data")


class FrameworkAgnosticTests(unittest.TestCase):
    def test_get_route(self) -> None:
        with loop_context() as loop:
            client = TestClient(TestServer(create_app()), loop=loop)
            loop.run_until_complete(client.start_server())

            async def get_route() -> None:
                resp = await client.get("/")
                self.assertEqual(resp.status, 200)
                self.assertIn("Hello, world", await resp.text())

            loop.run_until_complete(get_route())
            loop.run_until_complete(client.close())

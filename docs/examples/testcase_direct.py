"""TestServer, RawTestServer and TestClient used directly, without AioHTTPTestCase."""

from __future__ import annotations

import aiohttp
from aiohttp import web
from yarl import URL

from aiotest import AsyncTestCase, RawTestServer, TestClient, TestServer

UPSTREAM = web.AppKey("upstream", URL)


async def hello(request: web.BaseRequest) -> web.Response:
    return web.Response(text=f"hello from {request.path}")


async def forward(request: web.Request) -> web.Response:
    """The application under test: it calls another service."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(request.app[UPSTREAM] / "data") as reply,
    ):
        return web.Response(text="forwarded: " + await reply.text())


class DirectTests(AsyncTestCase):
    async def test_an_application_calling_a_fake_upstream(self) -> None:
        # A raw server stands in for the upstream service; it answers every path.
        async with RawTestServer(hello) as upstream:
            app = web.Application()
            app[UPSTREAM] = upstream.make_url("/")
            app.router.add_get("/", forward)
            async with TestClient(TestServer(app)) as client, client.get("/") as response:
                self.assertEqual(await response.text(), "forwarded: hello from /data")

    async def test_a_raw_server_has_no_application(self) -> None:
        async with TestClient(RawTestServer(hello)) as client:
            self.assertIsNone(client.app)
            async with client.get("/any/path") as response:
                self.assertEqual(await response.text(), "hello from /any/path")

    async def test_start_and_close_by_hand(self) -> None:
        server = TestServer(web.Application())
        client = TestClient(server)
        await client.start_server()
        self.assertIsNotNone(client.port)
        await client.close()  # closes the server too
        self.assertTrue(server.closed)
        self.assertIsNone(client.port)

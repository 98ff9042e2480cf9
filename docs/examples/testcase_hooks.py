"""Overriding get_server, get_client and asyncSetUp."""

from __future__ import annotations

from aiohttp import web

from aiotest import AioHTTPTestCase, TestClient, TestServer

TOKEN = "s3cret"
ITEMS = web.AppKey("items", list)


async def add_item(request: web.Request) -> web.Response:
    if request.headers.get("Authorization") != f"Bearer {TOKEN}":
        raise web.HTTPUnauthorized()
    request.app[ITEMS].append(await request.text())
    return web.json_response(request.app[ITEMS], status=201)


def create_app() -> web.Application:
    app = web.Application()
    app[ITEMS] = []
    app.router.add_post("/items", add_item)
    return app


class AuthenticatedTests(AioHTTPTestCase):
    async def get_application(self) -> web.Application:
        return create_app()

    async def get_server(self, app: web.Application) -> TestServer:
        # Extra keyword arguments go to aiohttp.web.AppRunner.
        return TestServer(app, host="localhost", access_log=None)

    async def get_client(self, server: TestServer) -> TestClient[web.Request, web.Application]:
        # Extra keyword arguments go to aiohttp.ClientSession.
        return TestClient(server, headers={"Authorization": f"Bearer {TOKEN}"})

    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        # The server is running now: seed it through the API, as a user would.
        async with self.client.post("/items", data="first") as response:
            self.assertEqual(response.status, 201)

    async def test_every_request_is_authenticated(self) -> None:
        async with self.client.post("/items", data="second") as response:
            self.assertEqual(response.status, 201)
            self.assertEqual(await response.json(), ["first", "second"])

    async def test_the_server_listens_on_localhost(self) -> None:
        # URLs keep the name asked for; server.host is the address the socket is bound to.
        self.assertEqual(self.client.make_url("/items").host, "localhost")
        self.assertEqual(self.server.host, "127.0.0.1")

    async def test_headers_can_be_overridden_per_request(self) -> None:
        async with self.client.post("/items", headers={"Authorization": "nope"}) as response:
            self.assertEqual(response.status, 401)

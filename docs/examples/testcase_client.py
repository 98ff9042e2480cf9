"""The test client: HTTP methods, cookies, websockets and the raw session."""

from __future__ import annotations

from aiohttp import WSMsgType, web

from aiotest import AioHTTPTestCase


async def echo_method(request: web.Request) -> web.Response:
    return web.Response(text=request.method)


async def login(request: web.Request) -> web.Response:
    response = web.Response(text="welcome")
    response.set_cookie("session", "abc123")
    return response


async def whoami(request: web.Request) -> web.Response:
    return web.Response(text=request.cookies.get("session", "anonymous"))


async def shout(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for message in ws:
        if message.type is WSMsgType.TEXT:
            await ws.send_str(message.data.upper())
    return ws


class ClientTests(AioHTTPTestCase):
    async def get_application(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/method", echo_method)
        app.router.add_post("/login", login)
        app.router.add_get("/whoami", whoami)
        app.router.add_get("/shout", shout)
        return app

    async def test_every_http_method(self) -> None:
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
            with self.subTest(method=method):
                async with self.client.request(method, "/method") as response:
                    self.assertEqual(await response.text(), method)
        # The shortcuts are the same requests; awaiting one works as well as `async with`.
        response = await self.client.head("/method")
        self.assertEqual(response.status, 200)

    async def test_cookies_are_kept_between_requests(self) -> None:
        async with self.client.post("/login") as response:
            self.assertEqual(response.cookies["session"].value, "abc123")
        async with self.client.get("/whoami") as response:
            self.assertEqual(await response.text(), "abc123")

    async def test_websocket_round_trip(self) -> None:
        async with self.client.ws_connect("/shout") as ws:
            await ws.send_str("hello")
            self.assertEqual(await ws.receive_str(), "HELLO")

    async def test_raw_session_takes_absolute_urls(self) -> None:
        url = self.client.make_url("/method")
        self.assertEqual(str(url), f"http://127.0.0.1:{self.client.port}/method")
        async with self.client.session.get(url) as response:
            self.assertEqual(await response.text(), "GET")

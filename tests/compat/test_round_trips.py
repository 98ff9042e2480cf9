"""Websocket and cookie round trips through AioHTTPTestCase's client."""

from __future__ import annotations

import unittest
from types import ModuleType
from typing import Any

import aiohttp
from aiohttp import web

from . import load_tests_for


async def websocket_echo(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for msg in ws:
        if msg.type is aiohttp.WSMsgType.TEXT:
            if msg.data == "close":
                await ws.close()
            else:
                await ws.send_str(msg.data + "/answer")
        elif msg.type is aiohttp.WSMsgType.BINARY:
            await ws.send_bytes(msg.data[::-1])
    return ws


async def login(request: web.Request) -> web.Response:
    resp = web.Response(text="logged in")
    resp.set_cookie("session", "s3cr3t", path="/")
    return resp


async def whoami(request: web.Request) -> web.Response:
    session = request.cookies.get("session")
    if session != "s3cr3t":
        raise web.HTTPUnauthorized()
    return web.Response(text="you")


async def logout(request: web.Request) -> web.Response:
    resp = web.Response(text="bye")
    resp.del_cookie("session", path="/")
    return resp


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/ws", websocket_echo)
    app.router.add_post("/login", login)
    app.router.add_get("/me", whoami)
    app.router.add_post("/logout", logout)
    return app


def make_suite(tu: ModuleType) -> list[type[unittest.TestCase]]:
    AioHTTPTestCase: Any = tu.AioHTTPTestCase

    class RoundTripTestCase(AioHTTPTestCase):  # type: ignore[misc]
        async def get_application(self) -> web.Application:
            return make_app()

        async def test_websocket_text_and_binary(self) -> None:
            async with self.client.ws_connect("/ws") as ws:
                await ws.send_str("question")
                self.assertEqual(await ws.receive_str(), "question/answer")
                await ws.send_bytes(b"abc")
                self.assertEqual(await ws.receive_bytes(), b"cba")
                await ws.send_str("close")
                msg = await ws.receive()
                self.assertEqual(msg.type, aiohttp.WSMsgType.CLOSE)
            self.assertTrue(ws.closed)

        async def test_websocket_await_style_json(self) -> None:
            ws = await self.client.ws_connect("/ws")
            await ws.send_json({"a": 1})
            self.assertEqual(await ws.receive_str(), '{"a": 1}/answer')
            await ws.close()

        async def test_cookie_round_trip(self) -> None:
            async with self.client.get("/me") as resp:
                self.assertEqual(resp.status, 401)
            async with self.client.post("/login") as resp:
                self.assertEqual(resp.cookies["session"].value, "s3cr3t")
            async with self.client.get("/me") as resp:
                self.assertEqual(resp.status, 200)
                self.assertEqual(await resp.text(), "you")
            cookies = {c.key: c.value for c in self.client.session.cookie_jar}
            self.assertEqual(cookies, {"session": "s3cr3t"})
            async with self.client.post("/logout") as resp:
                self.assertEqual(resp.status, 200)
            async with self.client.get("/me") as resp:
                self.assertEqual(resp.status, 401)

        async def test_cookies_sent_explicitly(self) -> None:
            async with self.client.get("/me", cookies={"session": "s3cr3t"}) as resp:
                self.assertEqual(resp.status, 200)

    return [RoundTripTestCase]


load_tests = load_tests_for(make_suite)

"""Fixture shapes seen in published suites written for aiohttp.test_utils.

Each class stands for one way real projects bend AioHTTPTestCase: a fresh event loop set from
setUpAsync, asyncSetUp replaced outright with a RawTestServer and a non-TestClient
``self.client``, and a tearDownAsync that closes the client the base class closes again.
"""

from __future__ import annotations

import asyncio
import unittest
from types import ModuleType
from typing import Any

from aiohttp import ClientSession, web

from . import load_tests_for


def make_suite(tu: ModuleType) -> list[type[unittest.TestCase]]:
    class NewLoopFromSetUpAsync(tu.AioHTTPTestCase):  # type: ignore[misc,name-defined]
        async def setUpAsync(self) -> None:
            # The replacement loop is never run; the test must keep using the running one.
            self.spare_loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.spare_loop)
            self.pending: asyncio.Future[int] = asyncio.Future()
            await super().setUpAsync()

        def tearDown(self) -> None:
            self.spare_loop.close()

        async def get_application(self) -> web.Application:
            async def hello(request: web.Request) -> web.Response:
                return web.Response(text="hi")

            app = web.Application()
            app.router.add_get("/", hello)
            return app

        async def test_future_from_setup_belongs_to_running_loop(self) -> None:
            self.assertIs(self.pending.get_loop(), asyncio.get_running_loop())
            self.pending.set_result(3)
            self.assertEqual(await self.pending, 3)
            resp = await self.client.get("/")
            self.assertEqual(await resp.text(), "hi")

    class ReplacedAsyncSetUp(tu.AioHTTPTestCase):  # type: ignore[misc,name-defined]
        async def asyncSetUp(self) -> None:
            async def echo_path(request: web.BaseRequest) -> web.Response:
                return web.Response(text=request.path)

            self.server = tu.RawTestServer(echo_path)
            await self.server.start_server()
            self.client: Any = ClientSession()

        async def asyncTearDown(self) -> None:
            await self.server.close()
            await self.client.close()

        async def test_raw_server_answers_plain_session(self) -> None:
            async with self.client.get(self.server.make_url("/v2/x")) as resp:
                self.assertEqual(await resp.text(), "/v2/x")

    class ClientClosedInTearDownAsync(tu.AioHTTPTestCase):  # type: ignore[misc,name-defined]
        async def get_application(self) -> web.Application:
            async def who(request: web.Request) -> web.Response:
                return web.Response(text=request.cookies.get("sid", "none"))

            app = web.Application()
            app.router.add_get("/", who)
            return app

        async def tearDownAsync(self) -> None:
            await self.client.close()

        async def test_cookie_seeded_by_hand(self) -> None:
            self.client.session.cookie_jar.update_cookies({"sid": "abc"})
            resp = await self.client.get("/")
            self.assertEqual(await resp.text(), "abc")
            self.client.session.cookie_jar.clear()
            resp = await self.client.get("/")
            self.assertEqual(await resp.text(), "none")

    return [NewLoopFromSetUpAsync, ReplacedAsyncSetUp, ClientClosedInTearDownAsync]


load_tests = load_tests_for(make_suite)

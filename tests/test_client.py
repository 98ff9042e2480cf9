"""TestClient: requests, websockets, cookies, the session it makes and what close() closes."""

from __future__ import annotations

import asyncio
import re
import sys
import traceback
import unittest
import warnings
from typing import Any
from unittest import mock

import aiohttp
from aiohttp import web
from yarl import URL

import aiotest
from aiotest._messages import CLIENT_CLOSED, USE_ASYNC_WITH

from ._support import assert_refused

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


async def echo_method(request: web.Request) -> web.Response:
    body = await request.text()
    return web.Response(text=f"{request.method} {body}", headers={"X-Method": request.method})


async def echo_websocket(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for message in ws:
        await ws.send_str(f"echo: {message.data}")
    return ws


async def set_cookie(request: web.Request) -> web.Response:
    response = web.Response(text="set")
    response.set_cookie("flavour", "oatmeal")
    return response


async def read_cookie(request: web.Request) -> web.Response:
    return web.Response(text=request.cookies.get("flavour", "none"))


async def read_header(request: web.Request) -> web.Response:
    return web.Response(text=request.headers.get("X-Test", "none"))


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_route("*", "/method", echo_method)
    app.router.add_get("/ws", echo_websocket)
    app.router.add_get("/set", set_cookie)
    app.router.add_get("/read", read_cookie)
    app.router.add_get("/header", read_header)
    return app


class ClientTestCase(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.started = asyncio.Event()
        self.handler_cancelled = asyncio.Event()

        async def slow(request: web.Request) -> web.Response:
            self.started.set()
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                self.handler_cancelled.set()
                raise
            return web.Response()

        app = make_app()
        app.router.add_get("/slow", slow)
        self.client: aiotest.TestClient[web.Request, web.Application] = aiotest.TestClient(
            aiotest.TestServer(app)
        )
        await self.client.start_server()
        self.addAsyncCleanup(self.client.close)


class TestRequests(ClientTestCase):
    def method_call(self, method: str) -> Any:
        if method == "GET":
            return self.client.get("/method")
        if method == "HEAD":
            return self.client.head("/method")
        return getattr(self.client, method.lower())("/method", data=b"x")

    async def test_each_method_with_await(self) -> None:
        for method in METHODS:
            with self.subTest(method=method):
                response = await self.method_call(method)
                self.assertEqual(response.status, 200)
                self.assertEqual(response.headers["X-Method"], method)
                expected = "" if method == "HEAD" else f"{method} {'' if method == 'GET' else 'x'}"
                self.assertEqual(await response.text(), expected)

    async def test_each_method_with_async_with(self) -> None:
        for method in METHODS:
            with self.subTest(method=method):
                async with self.method_call(method) as response:
                    self.assertEqual(response.headers["X-Method"], method)
                    await response.read()
                # Leaving the block releases the connection, as with ClientSession.
                self.assertIsNone(response.connection)

    async def test_request_with_any_method(self) -> None:
        response = await self.client.request("PROPFIND", "/method")
        self.assertEqual(await response.text(), "PROPFIND ")
        async with self.client.request("post", "/method", data="body") as response:
            self.assertEqual(await response.text(), "POST body")

    async def test_paths_are_relative_to_the_server(self) -> None:
        self.assertEqual(
            self.client.make_url("/method?a=1"),
            URL(f"http://127.0.0.1:{self.client.port}/method?a=1"),
        )
        response = await self.client.get(URL("/method"), params={"q": "1"})
        self.assertEqual(response.url.query["q"], "1")

    async def test_request_errors_propagate_in_both_styles(self) -> None:
        with self.assertRaises(aiohttp.ClientResponseError) as caught:
            await self.client.get("/missing", raise_for_status=True)
        self.assertEqual(caught.exception.status, 404)
        with self.assertRaises(aiohttp.ClientResponseError):
            async with self.client.get("/missing", raise_for_status=True):
                self.fail("the block ran although the request failed")

    async def test_requests_run_as_tasks(self) -> None:
        task = asyncio.create_task(self.client.get("/method"))
        response = await task
        self.assertEqual(await response.text(), "GET ")
        responses = await asyncio.gather(self.client.get("/method"), self.client.post("/method"))
        self.assertEqual([r.method for r in responses], ["GET", "POST"])

    async def test_cancelling_a_request_task(self) -> None:
        task = asyncio.create_task(self.client.get("/slow"))
        await self.started.wait()
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task
        # The dropped connection cancels the handler (handler_cancellation, as in aiohttp).
        await asyncio.wait_for(self.handler_cancelled.wait(), 2)

    async def test_websocket_round_trip_both_styles(self) -> None:
        ws = await self.client.ws_connect("/ws")
        await ws.send_str("one")
        self.assertEqual(await ws.receive_str(), "echo: one")
        await ws.close()
        async with self.client.ws_connect("/ws") as ws:
            await ws.send_str("two")
            self.assertEqual(await ws.receive_str(), "echo: two")
        self.assertTrue(ws.closed)

    async def test_cookie_round_trip_on_an_ip_address(self) -> None:
        await self.client.get("/set")
        response = await self.client.get("/read")
        self.assertEqual(await response.text(), "oatmeal")


class TestClose(unittest.IsolatedAsyncioTestCase):
    async def test_close_closes_every_response_and_websocket(self) -> None:
        client = aiotest.TestClient(aiotest.TestServer(make_app()))
        await client.start_server()
        unread = await client.get("/method")
        async with client.post("/method", data=b"x") as inside_block:
            pass
        websocket = await client.ws_connect("/ws")
        async with client.ws_connect("/ws") as inner_websocket:
            await client.close()
            self.assertTrue(inner_websocket.closed)
        self.assertTrue(unread.closed)
        self.assertTrue(inside_block.closed)
        self.assertTrue(websocket.closed)
        self.assertTrue(client.session.closed)
        self.assertTrue(client.closed)

    async def test_close_closes_the_server_and_is_idempotent(self) -> None:
        client = aiotest.TestClient(aiotest.TestServer(make_app()))
        self.assertIsNone(client.port, "port before start")
        await client.start_server()
        port = client.port
        assert port is not None
        await client.close()
        self.assertIsNone(client.port, "port after close")
        self.assertTrue(client.server.closed)
        await assert_refused(self, "127.0.0.1", port)
        await client.close()
        self.assertTrue(client.closed)

    async def test_requests_after_close_say_the_client_is_closed(self) -> None:
        client = aiotest.TestClient(aiotest.TestServer(make_app()))
        await client.start_server()
        await client.close()
        with self.assertRaisesRegex(RuntimeError, re.escape(CLIENT_CLOSED)):
            await client.get("/method")
        with self.assertRaisesRegex(RuntimeError, re.escape(CLIENT_CLOSED)):
            await client.ws_connect("/ws")

    async def test_close_responses_keeps_the_client_usable(self) -> None:
        async with aiotest.TestClient(aiotest.TestServer(make_app())) as client:
            first = await client.get("/method")
            await client.close_responses()
            self.assertTrue(first.closed)
            second = await client.get("/method")
            self.assertEqual(second.status, 200)

    async def test_async_with_starts_and_closes(self) -> None:
        client = aiotest.TestClient(aiotest.TestServer(make_app()))
        async with client as entered:
            self.assertIs(entered, client)
            port = client.port
            assert port is not None
            self.assertEqual((await client.get("/method")).status, 200)
        self.assertTrue(client.closed)
        self.assertTrue(client.session.closed)
        await assert_refused(self, "127.0.0.1", port)

    async def test_plain_with_raises_type_error(self) -> None:
        client = aiotest.TestClient(aiotest.TestServer(make_app()))
        try:
            with self.assertRaises(TypeError) as caught, client:
                pass
            self.assertEqual(str(caught.exception), USE_ASYNC_WITH)
        finally:
            await client.close()


class TestConstruction(unittest.IsolatedAsyncioTestCase):
    async def test_non_server_argument_is_a_type_error_naming_it(self) -> None:
        for wrong in (make_app(), "http://127.0.0.1", None):
            with self.subTest(argument=type(wrong).__name__):
                with self.assertRaises(TypeError) as caught:
                    aiotest.TestClient(wrong)  # type: ignore[call-overload]
                # The message is aiohttp's, word for word; aiotest's help is a note under it.
                self.assertEqual(
                    str(caught.exception),
                    f"server must be TestServer instance, found type: {type(wrong)!r}",
                )
                notes = getattr(caught.exception, "__notes__", [])
                if sys.version_info >= (3, 11):
                    self.assertEqual(len(notes), 1)
                    self.assertIn(f"got {type(wrong).__name__}:", notes[0])
                    self.assertIn("TestServer(app)", notes[0])
                    shown = "".join(traceback.format_exception(caught.exception))
                    self.assertIn(notes[0], shown)
                else:
                    self.assertEqual(notes, [])

    async def test_properties(self) -> None:
        app = make_app()
        server = aiotest.TestServer(app)
        async with aiotest.TestClient(server) as client:
            self.assertIs(client.server, server)
            self.assertIs(client.app, app)
            self.assertEqual(client.host, "127.0.0.1")
            self.assertEqual(client.port, server.port)
            self.assertIsInstance(client.session, aiohttp.ClientSession)

    async def test_raw_server_has_no_app(self) -> None:
        async def handler(request: web.BaseRequest) -> web.Response:
            return web.Response(text="raw")

        client: aiotest.TestClient[web.BaseRequest, None]
        async with aiotest.TestClient(aiotest.RawTestServer(handler)) as client:
            self.assertIsNone(client.app)
            response = await client.get("/")
            self.assertEqual(await response.text(), "raw")

    async def test_session_is_made_through_aiohttp_client_session_at_call_time(self) -> None:
        made: list[dict[str, Any]] = []

        with warnings.catch_warnings():
            # aiohttp discourages subclassing ClientSession; instrumentation does it anyway.
            warnings.simplefilter("ignore", DeprecationWarning)

            class RecordingSession(aiohttp.ClientSession):
                def __init__(self, *args: Any, **kwargs: Any) -> None:
                    made.append(kwargs)
                    super().__init__(*args, **kwargs)

        with mock.patch("aiohttp.ClientSession", RecordingSession):
            client = aiotest.TestClient(
                aiotest.TestServer(make_app()), headers={"X-Test": "from kwargs"}
            )
        async with client:
            self.assertIsInstance(client.session, RecordingSession)
            self.assertEqual(len(made), 1)
            self.assertEqual(made[0]["headers"], {"X-Test": "from kwargs"})
            response = await client.get("/header")
            self.assertEqual(await response.text(), "from kwargs")

    async def test_default_cookie_jar_is_unsafe_cookie_jar(self) -> None:
        async with aiotest.TestClient(aiotest.TestServer(make_app())) as client:
            jar = client.session.cookie_jar
            self.assertIsInstance(jar, aiohttp.CookieJar)
            # Unsafe: it keeps cookies from an IP address host such as 127.0.0.1.
            await client.get("/set")
            self.assertEqual([cookie.key for cookie in jar], ["flavour"])

    async def test_given_cookie_jar_is_used(self) -> None:
        jar = aiohttp.CookieJar()
        async with aiotest.TestClient(aiotest.TestServer(make_app()), cookie_jar=jar) as client:
            self.assertIs(client.session.cookie_jar, jar)
            await client.get("/set")
            # A safe jar keeps no cookies from an IP address host: the choice was honoured.
            response = await client.get("/read")
            self.assertEqual(await response.text(), "none")

    async def test_subscriptable_for_annotations(self) -> None:
        alias = aiotest.TestClient[web.Request, web.Application]
        self.assertIs(getattr(alias, "__origin__", None), aiotest.TestClient)

    async def test_not_collected_by_pytest(self) -> None:
        self.assertIs(aiotest.TestClient.__test__, False)


class TestOutsideARunningLoop(unittest.TestCase):
    def test_client_made_before_its_loop_runs(self) -> None:
        with aiotest.loop_context() as loop:
            client = aiotest.TestClient(aiotest.TestServer(make_app()), loop=loop)
            loop.run_until_complete(client.start_server())

            async def fetch() -> str:
                response = await client.get("/method")
                return await response.text()

            self.assertEqual(loop.run_until_complete(fetch()), "GET ")
            loop.run_until_complete(client.close())


if __name__ == "__main__":
    unittest.main()

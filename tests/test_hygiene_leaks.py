"""check_leaks: what a test left open or unfinished fails it, naming where it was made."""

from __future__ import annotations

import asyncio
import gc
import socket
import sys
import unittest
import warnings
from typing import Any

import aiohttp
from aiohttp import web

import aiotest

from ._hygiene_helpers import LOOPS, HygieneTestCase, on_loop, run_case
from ._support import echo_websocket

LEAKED = "the test left {count} thing(s) open or unfinished (check_leaks)"


async def echo(request: web.Request) -> web.Response:
    return web.Response(text=await request.text())


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_post("/echo", echo)
    app.router.add_get("/ws", echo_websocket)
    return app


async def wait_forever() -> None:
    await asyncio.Event().wait()


class LeakCase(aiotest.AioHTTPTestCase):
    """Base of the inner cases: an app to talk to, with check_leaks on."""

    check_leaks = True
    task: asyncio.Task[None]
    extra: asyncio.Server

    async def get_application(self) -> web.Application:
        return make_app()


class CleanTest(HygieneTestCase):
    def test_fixture_client_server_and_closed_resources_pass(self) -> None:
        class Case(LeakCase):
            async def test_everything_closed(self) -> None:
                async with self.client.post("/echo", data="hi") as response:
                    self.assertEqual(await response.text(), "hi")
                response = await self.client.post("/echo", data="unread")  # closed by client
                self.assertEqual(response.status, 200)
                async with self.client.ws_connect("/ws") as ws:
                    await ws.send_str("ping")
                    self.assertEqual((await ws.receive()).data, "ping")
                async with (
                    aiohttp.ClientSession() as session,
                    session.post(self.client.make_url("/echo"), data="x") as own,
                ):
                    self.assertEqual(await own.text(), "x")
                task = asyncio.ensure_future(asyncio.sleep(0))
                await task
                _, writer = await asyncio.open_connection("127.0.0.1", self.client.port)
                writer.close()
                await writer.wait_closed()

        for name, factory in LOOPS:
            with self.subTest(loop=name):
                self.assertPassed(run_case(on_loop(Case, factory)))

    def test_off_by_default(self) -> None:
        class Case(aiotest.AsyncTestCase):
            async def test_leaves_a_task(self) -> None:
                self.task = asyncio.ensure_future(wait_forever())

        self.assertPassed(run_case(Case))


class LeakReportTest(HygieneTestCase):
    def run_leaky(self, test: Any, factory: Any = None) -> str:
        case = on_loop(type("Case", (LeakCase,), {"test_leaky": test}), factory)
        result = run_case(case)
        return self.assertFailedWith(result, LEAKED.format(count=1))

    def test_a_pending_task(self) -> None:
        async def test_leaky(self: LeakCase) -> None:
            self.task = asyncio.ensure_future(wait_forever())  # task made here

        for name, factory in LOOPS:
            with self.subTest(loop=name):
                text = self.run_leaky(test_leaky, factory)
                self.assertIn("- task ", text)
                self.assertIn("(wait_forever) is still pending", text)
                self.assertIn("created at (most recent call last):", text)
                self.assertIn("# task made here", text)

    def test_an_unclosed_client_session(self) -> None:
        sessions: list[aiohttp.ClientSession] = []

        async def test_leaky(self: LeakCase) -> None:
            sessions.append(aiohttp.ClientSession())  # session made here

        for name, factory in LOOPS:
            with self.subTest(loop=name):
                text = self.run_leaky(test_leaky, factory)
                self.assertIn("- aiohttp.ClientSession was not closed", text)
                self.assertIn("# session made here", text)
                self.assertTrue(sessions.pop().closed, "aiotest closes what leaked")

    def test_an_unclosed_response(self) -> None:
        async def half_response(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
            await writer.drain()
            writer.close()

        class Case(LeakCase):
            async def test_leaky(self) -> None:
                server = await asyncio.start_server(half_response, "127.0.0.1", 0)
                self.addAsyncCleanup(server.wait_closed)
                self.addCleanup(server.close)
                session = aiohttp.ClientSession()
                self.addAsyncCleanup(session.close)
                port = server.sockets[0].getsockname()[1]
                self.response = await session.get(f"http://127.0.0.1:{port}/partial")  # here

        for name, factory in LOOPS:
            with self.subTest(loop=name):
                text = self.assertFailedWith(
                    run_case(on_loop(Case, factory)), LEAKED.format(count=1)
                )
                self.assertIn("- aiohttp.ClientResponse of GET http://127.0.0.1:", text)
                self.assertIn("/partial was not closed or read", text)
                self.assertIn('/partial")  # here', text)

    def test_an_unclosed_transport(self) -> None:
        writers: list[asyncio.StreamWriter] = []

        async def test_leaky(self: LeakCase) -> None:
            _, writer = await asyncio.open_connection("127.0.0.1", self.client.port)  # here
            writers.append(writer)

        for name, factory in LOOPS:
            with self.subTest(loop=name):
                text = self.run_leaky(test_leaky, factory)
                self.assertIn("- transport ", text)
                self.assertIn("to ('127.0.0.1', ", text)
                self.assertIn("was not closed", text)
                self.assertIn('open_connection("127.0.0.1", self.client.port)  # here', text)
                self.assertTrue(writers.pop().transport.is_closing())

    def test_an_unclosed_server(self) -> None:
        async def test_leaky(self: LeakCase) -> None:
            self.extra = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)  # here

        for name, factory in LOOPS:
            with self.subTest(loop=name):
                text = self.run_leaky(test_leaky, factory)
                self.assertIn("- server (loop.create_server) was not closed", text)
                self.assertIn("# here", text)

    def test_a_coroutine_never_awaited(self) -> None:
        async def test_leaky(self: LeakCase) -> None:
            wait_forever()  # type: ignore[unused-coroutine]  # forgot await

        for name, factory in LOOPS:
            with self.subTest(loop=name):
                text = self.run_leaky(test_leaky, factory)
                self.assertIn("- coroutine wait_forever was never awaited", text)
                self.assertIn("# forgot await", text)

    def test_a_dropped_socket(self) -> None:
        async def test_leaky(self: LeakCase) -> None:
            sock = socket.socket()
            del sock

        text = self.run_leaky(test_leaky)
        self.assertIn("- ResourceWarning: unclosed <socket.socket", text)

    def test_every_leak_is_listed(self) -> None:
        class Case(LeakCase):
            async def test_leaky(self) -> None:
                self.task = asyncio.ensure_future(wait_forever())
                self.session = aiohttp.ClientSession()

        self.assertFailedWith(run_case(Case), LEAKED.format(count=2))


class RestoredTest(HygieneTestCase):
    def test_everything_patched_is_put_back_even_after_a_failure(self) -> None:
        before = (
            aiohttp.ClientSession.__init__,
            aiohttp.ClientResponse.__init__,
            warnings.showwarning,
            warnings._warn_unawaited_coroutine,  # type: ignore[attr-defined]
            list(warnings.filters),
            sys.get_coroutine_origin_tracking_depth(),
        )

        class Case(LeakCase):
            async def test_fails(self) -> None:
                self.fail("boom")

        self.assertFailedWith(run_case(Case), "boom")
        after = (
            aiohttp.ClientSession.__init__,
            aiohttp.ClientResponse.__init__,
            warnings.showwarning,
            warnings._warn_unawaited_coroutine,  # type: ignore[attr-defined]
            list(warnings.filters),
            sys.get_coroutine_origin_tracking_depth(),
        )
        self.assertEqual(after, before)
        gc.collect()


if __name__ == "__main__":
    unittest.main()

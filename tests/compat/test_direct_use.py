"""TestServer, RawTestServer and TestClient used directly, without AioHTTPTestCase."""

from __future__ import annotations

import asyncio
import typing
import unittest
from types import ModuleType
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

import aiotest

from .._support import hello, make_app
from . import load_tests_for


def make_suite(tu: ModuleType) -> list[type[unittest.TestCase]]:
    class DirectUseTest(unittest.IsolatedAsyncioTestCase):
        async def test_test_server_and_client_with_async_with(self) -> None:
            app = make_app()
            async with tu.TestServer(app) as server, tu.TestClient(server) as client:
                self.assertTrue(server.started)
                self.assertIs(client.server, server)
                self.assertIs(client.app, app)
                self.assertEqual(client.host, "127.0.0.1")
                self.assertEqual(client.port, server.port)
                self.assertIsInstance(client.session, aiohttp.ClientSession)
                self.assertEqual(server.scheme, "http")
                url = client.make_url("/path?x=1")
                self.assertEqual(url, URL(f"http://127.0.0.1:{server.port}/path?x=1"))
                self.assertEqual(server.make_url("/"), client.make_url("/"))
                # The session takes absolute URLs, the client relative ones.
                async with client.session.get(client.make_url("/")) as resp:
                    self.assertEqual(await resp.text(), "Hello, world")
            self.assertTrue(server.closed)
            self.assertIsNone(client.port)
            self.assertTrue(client.session.closed)

        async def test_requests_as_tasks(self) -> None:
            async with tu.TestClient(tu.TestServer(make_app())) as client:
                task = asyncio.create_task(client.get("/"))
                self.assertEqual((await task).status, 200)
                both = await asyncio.gather(client.get("/"), client.head("/"))
                self.assertEqual([resp.status for resp in both], [200, 200])

        async def test_raw_test_server(self) -> None:
            async with tu.RawTestServer(hello) as server, tu.TestClient(server) as client:
                self.assertIsNone(client.app)
                resp = await client.get("/anything")
                self.assertEqual(await resp.text(), "Hello, world")

        async def test_start_and_close_by_hand(self) -> None:
            server = tu.TestServer(make_app())
            client = tu.TestClient(server)
            self.assertIsNone(client.port)
            await client.start_server()
            port = client.port
            self.assertIsInstance(port, int)
            resp = await client.get("/")
            self.assertEqual(resp.status, 200)
            await client.close()
            await client.close()
            self.assertTrue(server.closed)

        async def test_server_close_is_idempotent(self) -> None:
            server = tu.TestServer(make_app())
            await server.start_server()
            await server.start_server()
            await server.close()
            await server.close()
            self.assertTrue(server.closed)

        async def test_localhost(self) -> None:
            server = tu.TestServer(make_app(), host="localhost")
            async with tu.TestClient(server) as client:
                self.assertEqual(client.make_url("/").host, "localhost")
                resp = await client.get("/")
                self.assertEqual(await resp.text(), "Hello, world")

        async def test_ipv6_loopback(self) -> None:
            server = tu.TestServer(make_app(), host="::1")
            async with tu.TestClient(server) as client:
                self.assertEqual(str(client.make_url("/")), f"http://[::1]:{client.port}/")
                resp = await client.get("/")
                self.assertEqual(await resp.text(), "Hello, world")

        async def test_client_refuses_an_application(self) -> None:
            with self.assertRaises(TypeError):
                tu.TestClient(make_app())

        async def test_server_refuses_plain_with(self) -> None:
            with self.assertRaises(TypeError), tu.TestServer(make_app()):
                pass

        async def test_annotation(self) -> None:
            if not hasattr(tu.TestClient, "__class_getitem__"):
                # Only the reference can lack it: aiohttp before 3.11 had a plain TestClient.
                self.assertIsNot(tu, aiotest)
                self.skipTest("this aiohttp's TestClient is not generic")
            alias = tu.TestClient[web.Request, web.Application]
            self.assertIs(typing.get_origin(alias), tu.TestClient)
            self.assertEqual(typing.get_args(alias), (web.Request, web.Application))

            async def uses(client: Any) -> int:
                resp = await client.get("/")
                return int(resp.status)

            async with tu.TestClient(tu.TestServer(make_app())) as client:
                self.assertEqual(await uses(client), 200)

        async def test_test_classes_are_hidden_from_pytest(self) -> None:
            for cls in (tu.TestServer, tu.RawTestServer, tu.TestClient, tu.BaseTestServer):
                self.assertFalse(cls.__test__)

        async def test_port_helpers(self) -> None:
            sock = tu.get_unused_port_socket("127.0.0.1")
            with sock:
                self.assertGreater(sock.getsockname()[1], 0)
            self.assertIsInstance(tu.unused_port(), int)

    return [DirectUseTest]


load_tests = load_tests_for(make_suite)

"""make_mocked_request and make_mocked_coro."""

from __future__ import annotations

import asyncio
import ssl
import unittest
from unittest import mock

from aiohttp import web
from aiohttp.http import HttpVersion
from aiohttp.streams import StreamReader
from multidict import CIMultiDict, CIMultiDictProxy

import aiotest
from aiotest import _compat

name_key = web.AppKey("name_key", str)


class TestMakeMockedRequest(unittest.TestCase):
    def test_returns_a_real_request(self) -> None:
        request = aiotest.make_mocked_request("GET", "/a/b?x=1")
        self.assertIsInstance(request, web.Request)
        self.assertEqual(request.path, "/a/b")
        self.assertEqual(request.query["x"], "1")
        self.assertEqual(request.version, HttpVersion(1, 1))
        self.assertTrue(request.keep_alive)

    def test_method_is_upper_cased(self) -> None:
        self.assertEqual(aiotest.make_mocked_request("post", "/").method, "POST")

    def test_headers_from_each_accepted_shape(self) -> None:
        shapes = {
            "dict": {"Token": "x"},
            "multidict": CIMultiDict([("Token", "x")]),
            "pairs": [("Token", "x")],
        }
        for shape, headers in shapes.items():
            with self.subTest(shape=shape):
                request = aiotest.make_mocked_request("GET", "/", headers=headers)
                self.assertIsInstance(request.headers, CIMultiDictProxy)
                self.assertEqual(request.headers.get("token"), "x")
                self.assertEqual(request.raw_headers, ((b"Token", b"x"),))

    def test_repeated_headers_are_kept(self) -> None:
        request = aiotest.make_mocked_request("GET", "/", headers=[("A", "1"), ("a", "2")])
        self.assertEqual(request.headers.getall("A"), ["1", "2"])

    def test_no_headers(self) -> None:
        request = aiotest.make_mocked_request("GET", "/")
        self.assertEqual(len(request.headers), 0)
        self.assertEqual(request.raw_headers, ())

    def test_http_1_0_implies_closing(self) -> None:
        request = aiotest.make_mocked_request("GET", "/", version=HttpVersion(1, 0))
        self.assertFalse(request.keep_alive)

    def test_closing_flag(self) -> None:
        self.assertFalse(aiotest.make_mocked_request("GET", "/", closing=True).keep_alive)

    def test_default_app_stores_items(self) -> None:
        request = aiotest.make_mocked_request("GET", "/")
        request.app["k"] = "v"
        self.assertEqual(request.app["k"], "v")
        self.assertIn("k", request.app)
        with self.assertRaises(KeyError):
            request.app["missing"]
        other = aiotest.make_mocked_request("GET", "/")
        self.assertNotIn("k", other.app, "mock applications share their items")

    def test_given_app_is_used(self) -> None:
        app = web.Application()
        app[name_key] = "real"
        request = aiotest.make_mocked_request("GET", "/", app=app)
        self.assertIs(request.app, app)
        self.assertEqual(request.app[name_key], "real")

    def test_match_info(self) -> None:
        request = aiotest.make_mocked_request("GET", "/users/7", match_info={"id": "7"})
        self.assertEqual(request.match_info["id"], "7")
        self.assertEqual(dict(aiotest.make_mocked_request("GET", "/").match_info), {})

    def test_sslcontext_reaches_the_transport(self) -> None:
        context = ssl.create_default_context()
        request = aiotest.make_mocked_request("GET", "/", sslcontext=context)
        assert request.transport is not None
        self.assertIs(request.transport.get_extra_info("sslcontext"), context)
        self.assertTrue(request.secure)
        plain = aiotest.make_mocked_request("GET", "/")
        assert plain.transport is not None
        self.assertIsNone(plain.transport.get_extra_info("sslcontext"))
        self.assertFalse(plain.secure)

    def test_given_transport_writer_and_protocol_are_used(self) -> None:
        transport, writer, protocol = mock.Mock(), mock.Mock(), mock.Mock()
        request = aiotest.make_mocked_request(
            "GET", "/", transport=transport, writer=writer, protocol=protocol
        )
        self.assertIs(request.transport, transport)
        self.assertIs(request.writer, writer)
        self.assertIs(request.protocol, protocol)

    def test_client_max_size(self) -> None:
        request = aiotest.make_mocked_request("GET", "/", client_max_size=10)
        self.assertEqual(request.client_max_size, 10)

    def test_handler_from_the_docs_pattern(self) -> None:
        def handler(request: web.Request) -> web.Response:
            if request.headers.get("token") != "x":
                raise web.HTTPForbidden()
            return web.Response(body=b"data")

        self.assertEqual(
            handler(aiotest.make_mocked_request("GET", "/", headers={"token": "x"})).body, b"data"
        )
        with self.assertRaises(web.HTTPForbidden):
            handler(aiotest.make_mocked_request("GET", "/", headers={"token": "y"}))


class TestMakeMockedRequestInALoop(unittest.IsolatedAsyncioTestCase):
    async def test_payload_becomes_the_content(self) -> None:
        payload = StreamReader(
            mock.Mock(_reading_paused=False), 2**16, loop=asyncio.get_running_loop()
        )
        payload.feed_data(b"hello")
        payload.feed_eof()
        request = aiotest.make_mocked_request("POST", "/", payload=payload)
        self.assertIs(request.content, payload)
        self.assertEqual(await request.read(), b"hello")

    async def test_response_can_be_prepared(self) -> None:
        request = aiotest.make_mocked_request("GET", "/")
        response = web.Response(text="x")
        await response.prepare(request)
        self.assertTrue(response.prepared)
        request.writer.write_headers.assert_called_once()  # type: ignore[attr-defined]

    async def test_body_too_large_is_refused(self) -> None:
        payload = StreamReader(
            mock.Mock(_reading_paused=False), 2**16, loop=asyncio.get_running_loop()
        )
        payload.feed_data(b"0123456789")
        payload.feed_eof()
        request = aiotest.make_mocked_request("POST", "/", payload=payload, client_max_size=4)
        with self.assertRaises(web.HTTPRequestEntityTooLarge):
            await request.read()


class TestMakeMockedCoro(unittest.IsolatedAsyncioTestCase):
    async def test_returns_the_value_and_records_calls(self) -> None:
        mocked = aiotest.make_mocked_coro(1)
        self.assertEqual(await mocked(1, 2, key="v"), 1)
        mocked.assert_called_once_with(1, 2, key="v")
        with self.assertRaises(AssertionError):
            mocked.assert_called_with(3)

    async def test_each_call_can_be_awaited(self) -> None:
        mocked = aiotest.make_mocked_coro("x")
        self.assertEqual([await mocked(), await mocked()], ["x", "x"])
        self.assertEqual(mocked.call_count, 2)

    async def test_default_return_is_aiohttps_marker(self) -> None:
        # aiohttp's make_mocked_coro() gives its "not given" marker, not None.
        result = await aiotest.make_mocked_coro()()
        self.assertIs(result, _compat.AIOHTTP_SENTINEL)
        self.assertIsNotNone(result)

    async def test_none_is_a_return_value(self) -> None:
        self.assertIsNone(await aiotest.make_mocked_coro(None)())

    async def test_raise_exception(self) -> None:
        mocked = aiotest.make_mocked_coro(raise_exception=ValueError("boom"))
        with self.assertRaisesRegex(ValueError, "boom"):
            await mocked("arg")
        mocked.assert_called_once_with("arg")

    async def test_awaitable_return_value_is_awaited_and_gives_none(self) -> None:
        # As in aiohttp: the awaitable runs (its error would propagate), its result is dropped.
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        future.set_result("from the future")
        self.assertIsNone(await aiotest.make_mocked_coro(future)())
        failed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        failed.set_exception(LookupError("from the future"))
        with self.assertRaisesRegex(LookupError, "from the future"):
            await aiotest.make_mocked_coro(failed)()

    async def test_call_returns_an_awaitable(self) -> None:
        mocked = aiotest.make_mocked_coro(5)
        pending = mocked()
        self.assertTrue(asyncio.iscoroutine(pending))
        self.assertEqual(await pending, 5)


if __name__ == "__main__":
    unittest.main()

"""The make_mocked_request and make_mocked_coro examples of the aiohttp testing docs."""

from __future__ import annotations

import unittest
from types import ModuleType

from aiohttp import web
from aiohttp.http import HttpVersion
from multidict import CIMultiDict

from . import load_tests_for


def handler(request: web.Request) -> web.Response:
    assert request.headers.get("token") == "x"
    return web.Response(body=b"data")


async def json_handler(request: web.Request) -> web.Response:
    return web.json_response({"user": request.match_info["user"], "k": request.app["k"]})


def make_suite(tu: ModuleType) -> list[type[unittest.TestCase]]:
    class MockedRequestTest(unittest.TestCase):
        def test_handler(self) -> None:
            req = tu.make_mocked_request("GET", "/", headers={"token": "x"})
            resp = handler(req)
            assert resp.body == b"data"

        def test_handler_rejects_a_wrong_token(self) -> None:
            req = tu.make_mocked_request("GET", "/", headers={"token": "y"})
            with self.assertRaises(AssertionError):
                handler(req)

        def test_headers_shapes(self) -> None:
            for headers in ({"token": "x"}, CIMultiDict(token="x"), [("Token", "x")]):
                self.assertEqual(tu.make_mocked_request("GET", "/", headers).headers["TOKEN"], "x")

        def test_request_fields(self) -> None:
            req = tu.make_mocked_request("POST", "/path?q=1", version=HttpVersion(1, 0))
            self.assertIsInstance(req, web.Request)
            self.assertEqual(req.method, "POST")
            self.assertEqual(req.path, "/path")
            self.assertEqual(req.query["q"], "1")
            self.assertFalse(req.keep_alive)

    class MockedRequestAsyncTest(unittest.IsolatedAsyncioTestCase):
        async def test_app_and_match_info(self) -> None:
            req = tu.make_mocked_request("GET", "/users/ann", match_info={"user": "ann"})
            req.app["k"] = "v"
            resp = await json_handler(req)
            assert resp.text is not None
            self.assertEqual(resp.text, '{"user": "ann", "k": "v"}')

        async def test_prepare_response(self) -> None:
            req = tu.make_mocked_request("GET", "/")
            resp = web.Response(text="x")
            await resp.prepare(req)
            self.assertTrue(resp.prepared)

        async def test_mocked_coro(self) -> None:
            mocked = tu.make_mocked_coro(1)
            assert await mocked(1, 2) == 1
            mocked.assert_called_with(1, 2)

        async def test_mocked_coro_raises(self) -> None:
            mocked = tu.make_mocked_coro(raise_exception=ValueError("no"))
            with self.assertRaises(ValueError):
                await mocked()

    return [MockedRequestTest, MockedRequestAsyncTest]


load_tests = load_tests_for(make_suite)

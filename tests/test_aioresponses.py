"""aiotest.aioresponses: the aioresponses API, served over real connections."""

from __future__ import annotations

import asyncio
import re
import unittest
from typing import Any

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from aiotest import CallbackResult, RequestCall, UnmatchedRequest, _fakes, aioresponses, fake_host

URL_ = "http://api.example.com/v1/items?b=2&a=1"


class AioresponsesTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.session = aiohttp.ClientSession()

    async def asyncTearDown(self) -> None:
        await self.session.close()
        self.assertEqual(_fakes.active_fakes(), [])

    async def test_registration_options_reach_the_client(self) -> None:
        with aioresponses() as m:
            m.get(URL_, status=203, payload={"ok": True}, headers={"X-A": "1"}, reason="Fine")
            m.post("https://api.example.com/v1/text", body="plain", content_type="text/plain")
            async with self.session.get(URL_) as response:
                self.assertEqual(response.status, 203)
                self.assertEqual(response.reason, "Fine")
                self.assertEqual(response.headers["X-A"], "1")
                self.assertEqual(response.content_type, "application/json")
                self.assertEqual(await response.json(), {"ok": True})
            async with self.session.post("https://api.example.com/v1/text") as response:
                self.assertEqual(await response.text(), "plain")
                self.assertEqual(response.content_type, "text/plain")

    async def test_query_is_merged_and_compared_in_any_order(self) -> None:
        with aioresponses() as m:
            m.get("http://api.example.com/v1/items?a=1&b=2")
            async with self.session.get(
                "http://api.example.com/v1/items", params={"b": "2", "a": "1"}
            ) as response:
                self.assertEqual(response.status, 200)
            self.assertEqual(
                list(m.requests), [("GET", URL("http://api.example.com/v1/items?a=1&b=2"))]
            )

    async def test_regex_matching(self) -> None:
        with aioresponses() as m:
            m.get(re.compile(r"^https://api\.example\.com/v1/\d+$"), repeat=True, body="n")
            for n in (1, 22):
                async with self.session.get(f"https://api.example.com/v1/{n}") as response:
                    self.assertEqual(await response.text(), "n")
            with self.assertRaises(aiohttp.ClientConnectionError):
                await self.session.get("https://api.example.com/v1/x")

    async def test_repeat_counts(self) -> None:
        with aioresponses() as m:
            m.get(URL_, repeat=2, status=201)
            m.get(URL_, status=202)
            statuses = []
            for _ in range(3):
                async with self.session.get(URL_) as response:
                    statuses.append(response.status)
            self.assertEqual(statuses, [201, 201, 202])
            with self.assertRaises(aiohttp.ClientConnectionError):
                await self.session.get(URL_)

    async def test_exception_and_timeout(self) -> None:
        with aioresponses() as m:
            m.get(URL_, exception=ValueError("upstream said no"))
            m.get(URL_, timeout=True)
            with self.assertRaisesRegex(ValueError, "upstream said no"):
                await self.session.get(URL_)
            with self.assertRaises(asyncio.TimeoutError):
                await self.session.get(URL_)

    async def test_callback_gets_the_url_and_the_call_arguments(self) -> None:
        seen: list[tuple[URL, dict[str, Any]]] = []

        async def callback(url: URL, **kwargs: Any) -> CallbackResult:
            seen.append((url, kwargs))
            return CallbackResult(status=418, body=b"teapot", headers={"X-B": "2"})

        with aioresponses() as m:
            m.post(URL_, callback=callback)
            async with self.session.post(URL_, json={"k": 1}) as response:
                self.assertEqual(response.status, 418)
                self.assertEqual(await response.read(), b"teapot")
        self.assertEqual(
            seen,
            [
                (
                    URL("http://api.example.com/v1/items?a=1&b=2"),
                    {"data": None, "json": {"k": 1}, "allow_redirects": True},
                )
            ],
        )

    async def test_call_history_exact_contents(self) -> None:
        payload = [1]
        with aioresponses() as m:
            m.get(URL_, repeat=True)
            m.post("http://api.example.com/v1/new")
            await self.session.get(URL_, json=payload, headers={"X-Id": "1"})
            payload[:] = [2]  # the history keeps what was passed then
            await self.session.get(URL_)
            await self.session.post("http://api.example.com/v1/new", data=b"raw")
            self.assertEqual(
                m.requests,
                {
                    ("GET", URL("http://api.example.com/v1/items?a=1&b=2")): [
                        RequestCall(
                            (), {"allow_redirects": True, "json": [1], "headers": {"X-Id": "1"}}
                        ),
                        RequestCall((), {"allow_redirects": True}),
                    ],
                    ("POST", URL("http://api.example.com/v1/new")): [
                        RequestCall((), {"allow_redirects": True, "data": b"raw"}),
                    ],
                },
            )

    async def test_module_level_request_is_matched_answered_and_recorded(self) -> None:
        seen: list[dict[str, Any]] = []

        def callback(url: URL, **kwargs: Any) -> CallbackResult:
            seen.append(kwargs)
            return CallbackResult(status=201, payload={"made": True})

        with aioresponses() as m:
            m.post("http://api.example.com/v1/new", callback=callback)
            m.get(URL_, body="listed")
            async with aiohttp.request(
                "POST", "http://api.example.com/v1/new", json={"n": 1}, timeout=None
            ) as response:
                self.assertEqual(response.status, 201)
                self.assertEqual(await response.json(), {"made": True})
            async with aiohttp.request(
                "get", "http://api.example.com/v1/items", params={"b": "2", "a": "1"}
            ) as response:
                self.assertEqual(await response.text(), "listed")
            self.assertEqual(
                m.requests,
                {
                    ("POST", URL("http://api.example.com/v1/new")): [
                        RequestCall((), {"json": {"n": 1}, "allow_redirects": True})
                    ],
                    ("GET", URL("http://api.example.com/v1/items?a=1&b=2")): [
                        RequestCall((), {"params": {"b": "2", "a": "1"}, "allow_redirects": True})
                    ],
                },
            )
            self.assertEqual(seen, [{"json": {"n": 1}, "allow_redirects": True}])
            m.assert_called_with("http://api.example.com/v1/items", params={"b": "2", "a": "1"})
            with self.assertRaisesRegex(AssertionError, "json="):
                m.assert_called_with("http://api.example.com/v1/new", "POST", json={"n": 2})

    async def test_module_level_request_unmatched_lists_the_registrations(self) -> None:
        with aioresponses() as m:
            m.get("http://api.example.com/v1/a")
            with self.assertRaises(UnmatchedRequest) as caught:
                async with aiohttp.request("DELETE", "http://api.example.com/v1/a"):
                    pass  # pragma: no cover - the request fails
            self.assertEqual(
                str(caught.exception), "Connection refused: DELETE http://api.example.com/v1/a"
            )
            self.assertEqual(
                caught.exception.candidates,
                ["GET http://api.example.com/v1/a: method DELETE is not GET"],
            )
            # As aioresponses records it: the call is in the history, matched or not.
            self.assertEqual(
                m.requests,
                {
                    ("DELETE", URL("http://api.example.com/v1/a")): [
                        RequestCall((), {"allow_redirects": True})
                    ]
                },
            )

    async def test_bodies_of_every_framing_then_a_kept_alive_connection(self) -> None:
        async def chunks() -> Any:
            for part in (b"one,", b"two"):
                yield part

        with aioresponses() as m:
            m.post(URL_, body="chunked", repeat=True)
            m.put(URL_, body="continued")
            m.get(URL_, body="last", headers={"Connection": "close"})
            async with self.session.post(URL_, data=chunks()) as response:
                self.assertEqual(await response.text(), "chunked")
            async with self.session.post(URL_, data=b"x" * 70000) as response:
                self.assertEqual(await response.text(), "chunked")
            async with self.session.put(URL_, data=b"body", expect100=True) as response:
                self.assertEqual(await response.text(), "continued")
            [server] = m._servers.values()
            # One kept-alive connection served them all.
            self.assertEqual(len(server.connections), 1)
            async with self.session.get(URL_) as response:
                self.assertEqual(await response.text(), "last")

    async def test_session_headers_are_part_of_the_recorded_headers(self) -> None:
        with aioresponses() as m:
            m.get(URL_)
            async with aiohttp.ClientSession(headers={"Authorization": "Bearer t"}) as session:
                await session.get(URL_, headers={"X-Id": "1"})
            recorded = m.requests[("GET", URL(URL_).with_query("a=1&b=2"))][0]
            self.assertEqual(
                recorded.kwargs["headers"], CIMultiDict({"Authorization": "Bearer t", "X-Id": "1"})
            )

    async def test_assertions_pass_and_fail(self) -> None:
        with aioresponses() as m:
            m.post(URL_)
            m.assert_not_called()
            with self.assertRaises(AssertionError):
                m.assert_called()
            await self.session.post(URL_, json={"a": 1})
            m.assert_called()
            m.assert_called_once()
            m.assert_called_with(URL_, method="POST", json={"a": 1})
            m.assert_called_once_with(URL_, method="POST", json={"a": 1})
            m.assert_any_call(URL_, method="POST")
            m.assert_called_with(URL_, "POST", ["json"], json={"a": 1})
            with self.assertRaises(AssertionError):
                m.assert_not_called()
            # A wrong payload, a wrong URL, a wrong method.
            with self.assertRaisesRegex(AssertionError, r"json=\{'a': 2\}"):
                m.assert_called_with(URL_, method="POST", json={"a": 2})
            with self.assertRaisesRegex(AssertionError, "call not found"):
                m.assert_called_with("http://api.example.com/other", method="POST")
            with self.assertRaisesRegex(AssertionError, "call not found"):
                m.assert_any_call(URL_)
            m.post(URL_)
            await self.session.post(URL_)
            with self.assertRaisesRegex(AssertionError, "Called 2 times"):
                m.assert_called_once()

    async def test_unmatched_request_error_lists_every_candidate(self) -> None:
        with aioresponses() as m:
            m.get("http://api.example.com/v1/a")
            m.post(URL_)
            with self.assertRaises(UnmatchedRequest) as caught:
                await self.session.get(URL_)
            self.assertEqual(
                str(caught.exception),
                "Connection refused: GET http://api.example.com/v1/items?a=1&b=2",
            )
            self.assertEqual(
                caught.exception.candidates,
                [
                    "GET http://api.example.com/v1/a: URL http://api.example.com/v1/items?a=1&b=2"
                    " is not http://api.example.com/v1/a",
                    "POST http://api.example.com/v1/items?a=1&b=2: method GET is not POST",
                ],
            )
            self.assertIsInstance(caught.exception, aiohttp.ClientConnectionError)
            self.assertIn("POST http://api.example.com/v1/items", caught.exception.note)

    async def test_nothing_registered_says_so(self) -> None:
        with aioresponses(), self.assertRaises(UnmatchedRequest) as caught:
            await self.session.get(URL_)
        self.assertIn("nothing is registered", caught.exception.note)

    async def test_redirects_follow_through_registrations(self) -> None:
        with aioresponses() as m:
            m.get(
                "http://10.1.1.1:8080/old",
                status=302,
                headers={"Location": "https://b.example.com/new"},
            )
            m.get("https://b.example.com/new", body="moved")
            async with self.session.get("http://10.1.1.1:8080/old") as response:
                self.assertEqual(await response.text(), "moved")
                self.assertEqual(str(response.url), "https://b.example.com/new")
                self.assertEqual(
                    [str(r.url) for r in response.history], ["http://10.1.1.1:8080/old"]
                )
            self.assertEqual(list(m.requests), [("GET", URL("http://10.1.1.1:8080/old"))])

    async def test_passthrough_reaches_a_fake_host_installed_before(self) -> None:
        app = web.Application()

        async def real(request: web.Request) -> web.Response:
            return web.Response(text="from the fake host")

        app.router.add_get("/real", real)
        async with fake_host("https://api.example.com", app):
            with aioresponses(passthrough=["https://api.example.com/real"]) as m:
                async with self.session.get("https://api.example.com/real") as response:
                    self.assertEqual(await response.text(), "from the fake host")
                self.assertEqual(m.requests, {})
            with aioresponses(passthrough_unmatched=True) as m:
                m.get("https://api.example.com/mocked", body="mocked")
                async with self.session.get("https://api.example.com/real") as response:
                    self.assertEqual(await response.text(), "from the fake host")
                async with self.session.get("https://api.example.com/mocked") as response:
                    self.assertEqual(await response.text(), "mocked")

    async def test_loopback_always_passes_through(self) -> None:
        from aiotest import TestServer

        app = web.Application()

        async def own(request: web.Request) -> web.Response:
            return web.Response(text="own server")

        app.router.add_get("/", own)
        async with TestServer(app) as server:
            with aioresponses() as m:
                async with self.session.get(server.make_url("/")) as response:
                    self.assertEqual(await response.text(), "own server")
                m.assert_not_called()

    async def test_https_to_an_ip_address_is_refused_with_the_reason(self) -> None:
        with aioresponses() as m:
            m.get("https://10.9.8.7/x")
            with self.assertRaisesRegex(aiohttp.ClientConnectionError, "fake a host name"):
                await self.session.get("https://10.9.8.7/x")

    async def test_response_class_is_refused_with_the_fix(self) -> None:
        with aioresponses() as m, self.assertRaisesRegex(ValueError, "to the ClientSession"):
            m.get(URL_, response_class=aiohttp.ClientResponse)

    async def test_decorator_async_with_param(self) -> None:
        @aioresponses(param="mocked")
        async def inner(mocked: aioresponses) -> int:
            mocked.get(URL_)
            return (await self.session.get(URL_)).status

        # The decorator supplies the argument; mypy sees the undecorated signature.
        self.assertEqual(await inner(), 200)  # type: ignore[call-arg]

    async def test_fixture_style_start_stop(self) -> None:
        m = aioresponses()
        m.start()
        try:
            self.assertEqual(len(_fakes.active_fakes()), 1)
            self.assertIn("test_aioresponses", _fakes.active_fakes()[0])
        finally:
            m.stop()
        self.assertEqual(_fakes.active_fakes(), [])
        m.stop()

    async def test_left_started_is_reported_and_undone(self) -> None:
        m = aioresponses()
        m.start()
        original_get = aiohttp.ClientSession.get
        leaked = _fakes.uninstall_all_fakes()
        self.assertEqual(len(leaked), 1)
        self.assertRegex(leaked[0], r"^aioresponses with 0 registrations, installed at ")
        self.assertIsNot(aiohttp.ClientSession.get, original_get)  # wrapped while started
        self.assertEqual(_fakes.active_fakes(), [])
        self.assertEqual(aiohttp.ClientSession.get.__qualname__, "ClientSession.get")
        self.assertFalse(hasattr(aiohttp.ClientSession.get, "__wrapped__"))


class SyncDecoratorTest(unittest.TestCase):
    def test_sync_function_with_its_own_loop(self) -> None:
        @aioresponses()
        def inner(m: aioresponses) -> int:
            m.get(URL_, status=204)

            async def call() -> int:
                async with aiohttp.ClientSession() as session:
                    return (await session.get(URL_)).status

            return asyncio.run(call())

        self.assertEqual(inner(), 204)  # type: ignore[call-arg] # supplied by the decorator
        self.assertEqual(_fakes.active_fakes(), [])

    def test_everything_is_undone_when_the_test_fails(self) -> None:
        originals = [aiohttp.BaseConnector.connect, aiohttp.ClientSession.get]
        with self.assertRaises(ZeroDivisionError), aioresponses():
            1 / 0  # noqa: B018
        self.assertEqual([aiohttp.BaseConnector.connect, aiohttp.ClientSession.get], originals)


if __name__ == "__main__":
    unittest.main()


class NestedTest(unittest.IsolatedAsyncioTestCase):
    async def test_instances_stopped_out_of_order_restore_aiohttp(self) -> None:
        originals = [aiohttp.BaseConnector.connect, aiohttp.ClientSession.get]
        outer, inner = aioresponses(), aioresponses()
        outer.start()
        inner.start()
        inner.get(URL_, body="inner")
        async with aiohttp.ClientSession() as session:
            async with session.get(URL_) as response:
                self.assertEqual(await response.text(), "inner")
            outer.stop()  # the outer one first
            self.assertNotEqual(
                [aiohttp.BaseConnector.connect, aiohttp.ClientSession.get], originals
            )
            inner.get(URL_, body="still inner")
            async with session.get(URL_) as response:
                self.assertEqual(await response.text(), "still inner")
            inner.stop()
        self.assertEqual([aiohttp.BaseConnector.connect, aiohttp.ClientSession.get], originals)
        self.assertEqual(len(inner.requests[("GET", URL(URL_).with_query("a=1&b=2"))]), 2)
        self.assertEqual(outer.requests, {})

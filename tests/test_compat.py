"""Each private or version-specific touch point of aiotest/_compat.py, checked on its own.

A failure here names the API that changed in Python, asyncio, aiohttp or pytest.
"""

from __future__ import annotations

import unittest
from typing import Any

from aiotest import _compat


class CompatModuleTest(unittest.TestCase):
    def test_module_exports_only_what_it_defines(self) -> None:
        for name in _compat.__all__:
            self.assertTrue(hasattr(_compat, name), name)


# fakes: the two aiohttp touch points of fake hosts, checked on the installed aiohttp
# (CI and the docs run them on the oldest supported, 3.10.11, and the newest).
class ConnectorConnectTouchPointTest(unittest.IsolatedAsyncioTestCase):
    async def test_hook_sees_every_request_and_undo_restores(self) -> None:
        import aiohttp
        from aiohttp import web

        from aiotest import TestServer

        app = web.Application()

        async def real(request: web.Request) -> web.Response:
            return web.Response(text="real")

        app.router.add_get("/", real)
        seen: list[tuple[str, str]] = []

        async def hook(connector: Any, req: Any, traces: Any, timeout: Any, original: Any) -> Any:
            seen.append((req.method, str(req.url)))
            return await original(connector, req, traces, timeout)

        before = aiohttp.BaseConnector.connect
        async with TestServer(app) as server, aiohttp.ClientSession() as session:
            url = server.make_url("/")
            undo = _compat.wrap_connector_connect(hook)
            try:
                async with session.get(url) as response:
                    self.assertEqual(await response.text(), "real")
            finally:
                undo()
            await session.get(url)
        self.assertIs(aiohttp.BaseConnector.connect, before)
        self.assertEqual(seen, [("GET", str(url))])


class SessionCallsTouchPointTest(unittest.IsolatedAsyncioTestCase):
    async def test_recorder_gets_arguments_as_passed_with_method_defaults(self) -> None:
        import aiohttp

        calls: list[tuple[str, Any, dict[str, Any]]] = []
        before = {
            name: getattr(aiohttp.ClientSession, name) for name in _compat.SESSION_CALL_METHODS
        }

        class Stop(Exception):
            pass

        def recorder(session: Any, method: str, url: Any, kwargs: dict[str, Any]) -> None:
            calls.append((method, url, kwargs))
            raise Stop  # nothing is sent: only the recording is under test

        undo = _compat.wrap_session_calls(recorder)
        try:
            async with aiohttp.ClientSession() as session:
                with self.assertRaises(Stop):
                    session.get("http://a.test/x", json=[1])
                with self.assertRaises(Stop):
                    session.post("http://a.test/y")
                with self.assertRaises(Stop):
                    session.head("http://a.test/z")
                with self.assertRaises(Stop):
                    session.request("patch", "http://a.test/w", data=b"d")
        finally:
            undo()
        self.assertEqual(
            calls,
            [
                ("GET", "http://a.test/x", {"allow_redirects": True, "json": [1]}),
                ("POST", "http://a.test/y", {"data": None}),
                ("HEAD", "http://a.test/z", {"allow_redirects": False}),
                ("PATCH", "http://a.test/w", {"data": b"d"}),
            ],
        )
        for name, method in before.items():
            self.assertIs(getattr(aiohttp.ClientSession, name), method)

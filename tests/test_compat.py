"""Each private or version-specific touch point of aiotest/_compat.py, checked on its own.

A failure here names the API that changed in Python, asyncio, aiohttp or pytest.
"""

from __future__ import annotations

import inspect
import sys
import traceback
import unittest
from unittest import mock

import aiohttp
import aiohttp.test_utils
from aiohttp import web

from aiotest import _compat


class CompatModuleTest(unittest.TestCase):
    def test_module_exports_only_what_it_defines(self) -> None:
        for name in _compat.__all__:
            self.assertTrue(hasattr(_compat, name), name)


# aiohttp compat: each touch point of the aiohttp section.
class AiohttpSentinelTest(unittest.IsolatedAsyncioTestCase):
    async def test_is_what_aiohttps_make_mocked_coro_gives_by_default(self) -> None:
        # Fails when aiohttp renames its marker or stops returning it.
        self.assertIs(await aiohttp.test_utils.make_mocked_coro()(), _compat.AIOHTTP_SENTINEL)

    async def test_is_aiohttps_default_for_both_arguments(self) -> None:
        defaults = inspect.signature(aiohttp.test_utils.make_mocked_coro).parameters
        self.assertIs(defaults["return_value"].default, _compat.AIOHTTP_SENTINEL)
        self.assertIs(defaults["raise_exception"].default, _compat.AIOHTTP_SENTINEL)


class DisableConnectionRetryTest(unittest.IsolatedAsyncioTestCase):
    async def test_flag_is_there_exactly_when_it_is_said_to_be(self) -> None:
        async with aiohttp.ClientSession() as session:
            has_flag = getattr(session, "_retry_connection", None) is True
            self.assertIs(has_flag, _compat.CAN_DISABLE_CONNECTION_RETRY)
            _compat.disable_connection_retry(session)
            self.assertEqual(getattr(session, "_retry_connection", False), False)

    async def test_a_dropped_connection_is_retried_only_without_it(self) -> None:
        # Fails when aiohttp renames the flag: disabling would silently stop working.
        disabled_calls = 1 if _compat.CAN_DISABLE_CONNECTION_RETRY else 2
        for disable, expected_calls in ((False, 2), (True, disabled_calls)):
            with self.subTest(disable=disable):
                self.assertEqual(await self._calls_for_one_dropped_request(disable), expected_calls)

    async def _calls_for_one_dropped_request(self, disable: bool) -> int:
        calls = 0

        async def handler(request: web.Request) -> web.Response:
            nonlocal calls
            calls += 1
            assert request.protocol is not None
            request.protocol.force_close()
            return web.Response()

        app = web.Application()
        app.router.add_get("/", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            port = runner.addresses[0][1]
            async with aiohttp.ClientSession() as session:
                if disable:
                    _compat.disable_connection_retry(session)
                with self.assertRaises(aiohttp.ServerDisconnectedError):
                    async with session.get(f"http://127.0.0.1:{port}/"):
                        pass
        finally:
            await runner.cleanup()
        return calls


class SetMatchInfoTest(unittest.TestCase):
    def test_request_reports_the_match_info_set(self) -> None:
        request = aiohttp.test_utils.make_mocked_request("GET", "/")
        info = web.UrlMappingMatchInfo({"name": "value"}, mock.Mock())
        _compat.set_match_info(request, info)
        self.assertIs(request.match_info, info)


class AddNoteTest(unittest.TestCase):
    def test_note_is_shown_where_python_shows_notes(self) -> None:
        error = TypeError("message")
        _compat.add_note(error, "help")
        self.assertEqual(str(error), "message")
        shown = "".join(traceback.format_exception(type(error), error, None))
        if sys.version_info >= (3, 11):
            self.assertEqual(error.__notes__, ["help"])
            self.assertIn("help", shown)
        else:
            self.assertFalse(hasattr(error, "__notes__"))
            self.assertNotIn("help", shown)

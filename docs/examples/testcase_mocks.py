"""Calling a handler directly with make_mocked_request and make_mocked_coro."""

from __future__ import annotations

from unittest import mock

from aiohttp import web

from aiotest import AsyncTestCase, make_mocked_coro, make_mocked_request


class Mailer:
    async def send(self, to: str, text: str) -> None:
        raise NotImplementedError("talks to a real mail server")


MAILER = web.AppKey("mailer", Mailer)


async def invite(request: web.Request) -> web.Response:
    if request.headers.get("X-Token") != "x":
        raise web.HTTPForbidden()
    await request.app[MAILER].send(request.match_info["email"], "You are invited")
    return web.Response(status=202)


class InviteHandlerTests(AsyncTestCase):
    def make_request(self, headers: dict[str, str]) -> web.Request:
        return make_mocked_request(
            "POST", "/invite/ada@example.com", headers, match_info={"email": "ada@example.com"}
        )

    async def test_sends_the_mail(self) -> None:
        request = self.make_request({"X-Token": "x"})
        mailer = Mailer()
        # Without app=..., the request belongs to a stand-in application that stores items.
        request.app[MAILER] = mailer
        with mock.patch.object(mailer, "send", make_mocked_coro()) as send:
            response = await invite(request)
        self.assertEqual(response.status, 202)
        send.assert_called_once_with("ada@example.com", "You are invited")

    async def test_rejects_a_missing_token(self) -> None:
        with self.assertRaises(web.HTTPForbidden):
            await invite(self.make_request({}))

    async def test_a_failing_mailer_propagates(self) -> None:
        request = self.make_request({"X-Token": "x"})
        mailer = request.app[MAILER] = Mailer()
        failing = make_mocked_coro(raise_exception=OSError("mail server down"))
        with (
            mock.patch.object(mailer, "send", failing),
            self.assertRaisesRegex(OSError, "mail server down"),
        ):
            await invite(request)
        failing.assert_called_once()

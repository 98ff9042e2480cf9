"""HTTPS test servers: certificates from a throwaway authority that the test client trusts."""

from __future__ import annotations

import ssl

import aiohttp
from aiohttp import web

from aiotest import AioHTTPTestCase, TestServer, client_ssl_context


async def whoami(request: web.Request) -> web.Response:
    return web.Response(text=f"served over {request.scheme}")


class HttpsTests(AioHTTPTestCase):
    async def get_application(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", whoami)
        return app

    async def get_server(self, app: web.Application) -> TestServer:
        return TestServer(app, scheme="https")

    async def test_the_test_client_trusts_the_server(self) -> None:
        async with self.client.get("/") as response:
            self.assertEqual(await response.text(), "served over https")

    async def test_other_clients_do_not(self) -> None:
        async with aiohttp.ClientSession() as session:
            with self.assertRaises(aiohttp.ClientConnectorCertificateError) as caught:
                await session.get(self.server.make_url("/"))
        self.assertIsInstance(caught.exception.certificate_error, ssl.SSLCertVerificationError)

    async def test_code_under_test_can_be_given_the_trust(self) -> None:
        # For application code that makes its own HTTPS requests to a test server.
        async with (
            aiohttp.ClientSession() as session,
            session.get(self.server.make_url("/"), ssl=client_ssl_context()) as response,
        ):
            self.assertEqual(await response.text(), "served over https")

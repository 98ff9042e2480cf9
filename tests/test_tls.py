"""HTTPS test servers: a throwaway certificate authority that only the test client trusts."""

from __future__ import annotations

import ssl
import sys
import unittest
from unittest import mock

import aiohttp
import trustme
import uvloop
from aiohttp import WSMsgType, web

import aiotest
from aiotest import RawTestServer, TestClient, TestServer
from aiotest._messages import TLS_EXTRA_MISSING


async def whoami(request: web.Request) -> web.Response:
    ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
    return web.Response(text=f"{request.scheme} {ssl_object is not None}")


async def echo_ws(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for message in ws:
        if message.type is WSMsgType.TEXT:
            await ws.send_str(message.data)
    return ws


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/", whoami)
    app.router.add_get("/ws", echo_ws)
    return app


class HttpsServerTests(aiotest.AsyncTestCase):
    strict = True
    forbid_get_event_loop = True

    async def test_https_round_trip_with_verification_on(self) -> None:
        async with TestClient(TestServer(make_app(), scheme="https")) as client:
            self.assertEqual(client.make_url("/").scheme, "https")
            async with client.get("/") as response:
                self.assertEqual(await response.text(), "https True")
            trusting = client.server.client_ssl
            assert trusting is not None
            self.assertEqual(trusting.verify_mode, ssl.CERT_REQUIRED)
            self.assertTrue(trusting.check_hostname)

    async def test_localhost_and_ipv6_servers(self) -> None:
        for host in ("localhost", "::1"):
            server = TestServer(make_app(), scheme="https", host=host)
            with self.subTest(host=host):
                async with TestClient(server) as client, client.get("/") as response:
                    self.assertEqual(await response.text(), "https True")

    async def test_websocket_over_tls(self) -> None:
        async with TestClient(TestServer(make_app(), scheme="https")) as client:
            self.assertEqual(client.make_url("/ws").scheme, "https")
            async with client.ws_connect("/ws") as ws:
                await ws.send_str("secret")
                self.assertEqual(await ws.receive_str(), "secret")

    async def test_raw_server_over_https(self) -> None:
        async def handler(request: web.BaseRequest) -> web.Response:
            return web.Response(text=request.scheme)

        client: TestClient[web.BaseRequest, None] = TestClient(
            RawTestServer(handler, scheme="https")
        )
        async with client, client.get("/") as response:
            self.assertEqual(await response.text(), "https")

    async def test_aiotest_context_given_explicitly_is_trusted(self) -> None:
        context = aiotest.server_ssl_context()
        async with TestClient(TestServer(make_app(), ssl=context)) as client:
            self.assertIs(client.server._ssl, context)
            self.assertEqual(client.make_url("/").scheme, "https")
            async with client.get("/") as response:
                self.assertEqual(await response.text(), "https True")

    async def test_plain_http_is_unchanged(self) -> None:
        async with TestClient(TestServer(make_app())) as client:
            self.assertIsNone(client.server.client_ssl)
            async with client.get("/") as response:
                self.assertEqual(await response.text(), "http False")

    async def test_client_ssl_context_trusts_the_throwaway_authority(self) -> None:
        async with (
            TestServer(make_app(), scheme="https") as server,
            aiohttp.ClientSession() as session,
        ):
            context = aiotest.client_ssl_context()
            async with session.get(server.make_url("/"), ssl=context) as response:
                self.assertEqual(await response.text(), "https True")

    async def test_https_through_a_proxy(self) -> None:
        server = TestServer(make_app(), scheme="https")
        await server.start_server()
        assert server.port is not None
        async with (
            aiotest.TCPProxy(server.host, server.port) as proxy,
            TestClient(server) as client,
        ):
            client.route_through(proxy)
            self.assertEqual(client.make_url("/").port, proxy.proxy_port)
            async with client.get("/") as response:
                # TLS passes through the proxy untouched, certificate checks included.
                self.assertEqual(await response.text(), "https True")
            self.assertEqual(len(proxy.clients), 1)


class HttpsRefusalTests(aiotest.AsyncTestCase):
    """Clients that do not trust the server's certificate are refused."""

    # No catch_loop_exceptions: in asyncio's debug mode the server side reports each
    # refused handshake to the loop's exception handler, and here refusals are the point.
    check_leaks = True
    forbid_get_event_loop = True

    async def test_a_client_without_the_trust_is_refused(self) -> None:
        async with (
            TestServer(make_app(), scheme="https") as server,
            aiohttp.ClientSession() as session,
        ):
            with self.assertRaises(aiohttp.ClientConnectorCertificateError) as caught:
                await session.get(server.make_url("/"))
            self.assertIsInstance(caught.exception.certificate_error, ssl.SSLCertVerificationError)

    async def test_the_host_name_is_checked(self) -> None:
        async with TestClient(TestServer(make_app(), scheme="https")) as client:
            # Same server, same trust, but a name the certificate does not carry.
            with self.assertRaises(aiohttp.ClientConnectorCertificateError) as caught:
                await client.get("/", server_hostname="not-the-test-host.example")
            self.assertIn("not-the-test-host.example", str(caught.exception))

    async def test_own_context_is_used_as_given(self) -> None:
        # A certificate from another authority: aiotest serves it and does not vouch for it.
        other_authority = trustme.CA()
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        other_authority.issue_cert("127.0.0.1").configure_cert(server_context)
        client_context = ssl.create_default_context()
        other_authority.configure_trust(client_context)
        for where in ("constructor", "start_server"):
            with self.subTest(where=where):
                if where == "constructor":
                    server = TestServer(make_app(), ssl=server_context)
                    await server.start_server()
                else:
                    server = TestServer(make_app())
                    await server.start_server(ssl=server_context)
                async with TestClient(server) as client:
                    self.assertIs(server._ssl, server_context)
                    self.assertIsNone(server.client_ssl)
                    with self.assertRaises(aiohttp.ClientConnectorCertificateError):
                        await client.get("/")
                    async with client.get("/", ssl=client_context) as response:
                        self.assertEqual(await response.text(), "https True")

    async def test_an_explicit_ssl_argument_wins_over_the_trust(self) -> None:
        async with TestClient(TestServer(make_app(), scheme="https")) as client:
            # A default context trusts the system's authorities, not the throwaway one.
            with self.assertRaises(aiohttp.ClientConnectorCertificateError):
                await client.get("/", ssl=ssl.create_default_context())


class UvloopHttpsServerTests(HttpsServerTests):
    loop_factory = uvloop.new_event_loop


class UvloopHttpsRefusalTests(HttpsRefusalTests):
    loop_factory = uvloop.new_event_loop


class HttpsTestCaseTests(aiotest.AioHTTPTestCase):
    strict = True

    async def get_application(self) -> web.Application:
        return make_app()

    async def get_server(self, app: web.Application) -> TestServer:
        return TestServer(app, scheme="https")

    async def test_self_client_speaks_https(self) -> None:
        async with self.client.get("/") as response:
            self.assertEqual(await response.text(), "https True")


class MissingTrustmeTests(aiotest.AsyncTestCase):
    strict = True

    async def test_https_without_trustme_names_the_extra(self) -> None:
        server = TestServer(make_app(), scheme="https")
        # None in sys.modules makes "import trustme" fail, as when it is not installed.
        with mock.patch.dict(sys.modules, {"trustme": None}):
            with self.assertRaises(ImportError) as caught:
                await server.start_server()
            with self.assertRaises(ImportError):
                aiotest.client_ssl_context()
        self.assertEqual(str(caught.exception), TLS_EXTRA_MISSING)
        self.assertIn("pip install 'aiotest-unittest[tls]'", str(caught.exception))
        self.assertFalse(server.started)
        # Plain HTTP does not need trustme.
        with mock.patch.dict(sys.modules, {"trustme": None}):
            async with TestClient(TestServer(make_app())) as client, client.get("/") as response:
                self.assertEqual(response.status, 200)


if __name__ == "__main__":
    unittest.main()

"""Fake upstream hosts: requests from the code's own sessions reach a loopback application."""

from __future__ import annotations

import asyncio
import ssl
import unittest
import weakref
from typing import Any

import aiohttp
from aiohttp import web
from cryptography import x509

import aiotest
from aiotest import FakeHost, TestServer, _fakes, fake_host
from aiotest._fake_tls import certificate_for


async def whoami(request: web.Request) -> web.Response:
    body: dict[str, Any] = {"host": request.host, "path": request.path}
    body.update(secure=request.secure, query=dict(request.query))
    return web.json_response(body)


async def echo(request: web.Request) -> web.Response:
    return web.json_response({"got": await request.json()}, status=201)


async def boom(request: web.Request) -> web.Response:
    raise RuntimeError("the fake's handler failed")


async def stream(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    await response.prepare(request)
    for part in (b"one,", b"two,", b"three"):
        await response.write(part)
    await response.write_eof()
    return response


async def websocket(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for message in ws:
        await ws.send_str(message.data.upper())
    return ws


async def set_cookie(request: web.Request) -> web.Response:
    response = web.Response(text="ok")
    response.set_cookie("session", "s3cret")
    return response


async def read_cookie(request: web.Request) -> web.Response:
    return web.Response(text=request.cookies.get("session", "none"))


async def moved(request: web.Request) -> web.Response:
    raise web.HTTPFound("https://auth.example.com/v1/landed")


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/v1/{name}", whoami)
    app.router.add_post("/v1/echo", echo)
    app.router.add_get("/boom", boom)
    app.router.add_get("/stream", stream)
    app.router.add_get("/ws", websocket)
    app.router.add_get("/cookie/set", set_cookie)
    app.router.add_get("/cookie/read", read_cookie)
    app.router.add_get("/moved", moved)
    return app


def small_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/v1/{name}", whoami)
    app.router.add_post("/v1/echo", echo)
    return app


class FakeHostTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        # Made before any fake exists, as code under test often does.
        self.session = aiohttp.ClientSession()

    async def asyncTearDown(self) -> None:
        await self.session.close()
        self.assertEqual(_fakes.active_fakes(), [])

    async def test_http_host_reached_by_a_session_made_before_the_fake(self) -> None:
        async with (
            fake_host("http://api.example.com", make_app),
            self.session.get("http://api.example.com/v1/x?a=1") as response,
        ):
            self.assertEqual(response.status, 200)
            body = await response.json()
        self.assertEqual(
            body, {"host": "api.example.com", "path": "/v1/x", "secure": False, "query": {"a": "1"}}
        )

    async def test_https_host_is_reached_with_verification_on(self) -> None:
        async with (
            fake_host("https://api.example.com", make_app),
            aiohttp.ClientSession() as s,
            s.get("https://api.example.com/v1/x") as response,
        ):
            body = await response.json()
        self.assertTrue(body["secure"])

    async def test_any_port_and_ip_address_over_http(self) -> None:
        async with (
            fake_host("http://10.1.2.3:8080", small_app),
            self.session.get("http://10.1.2.3:8080/v1/ip") as response,
        ):
            body = await response.json()
        self.assertEqual(body["host"], "10.1.2.3:8080")

    async def test_default_port_spelt_out_and_any_case_reach_the_fake(self) -> None:
        async with fake_host("https://api.example.com", small_app) as host:
            for url in ("https://api.example.com:443/v1/a", "https://API.example.com/v1/b"):
                async with self.session.get(url) as response:
                    self.assertEqual(response.status, 200)
        self.assertEqual(len(host.journal), 2)

    async def test_other_port_of_a_faked_host_is_not_faked(self) -> None:
        async with fake_host("http://api.example.com:8080", small_app) as host:
            calls: list[str] = []

            async def route(req: aiohttp.ClientRequest) -> object:
                calls.append(str(req.url))
                raise aiohttp.ClientConnectionError("reached the network")

            catcher = _Catcher(route)
            _fakes.install(catcher)
            try:
                with self.assertRaises(aiohttp.ClientConnectionError):
                    await self.session.get("http://api.example.com/v1/x")
            finally:
                _fakes.uninstall(catcher)
        self.assertEqual(calls, ["http://api.example.com/v1/x"])
        self.assertEqual(host.journal, [])

    async def test_journal_holds_each_request_with_its_body(self) -> None:
        async with fake_host("https://api.example.com", small_app) as host:
            await self.session.post("https://api.example.com/v1/echo", json={"n": 1})
            await self.session.get("https://api.example.com/v1/two", headers={"X-Id": "7"})
        self.assertEqual(
            [(r.method, str(r.url), r.body) for r in host.journal],
            [
                ("POST", "https://api.example.com/v1/echo", b'{"n": 1}'),
                ("GET", "https://api.example.com/v1/two", b""),
            ],
        )
        self.assertEqual(host.journal[0].json(), {"n": 1})
        self.assertEqual(host.journal[1].headers["X-Id"], "7")
        self.assertEqual(len(host.requests_to("/v1/echo", "post")), 1)

    async def test_assert_all_routes_called_names_the_missing_route(self) -> None:
        async with fake_host("http://api.example.com", small_app) as host:
            await self.session.get("http://api.example.com/v1/a")
            with self.assertRaises(AssertionError) as caught:
                host.assert_all_routes_called()
            self.assertIn("POST /v1/echo", str(caught.exception))
            self.assertNotIn("GET /v1/{name}", str(caught.exception))
            await self.session.post("http://api.example.com/v1/echo", json=1)
            host.assert_all_routes_called()

    async def test_streaming_websockets_cookies_and_redirects_run_for_real(self) -> None:
        async with (
            fake_host("https://api.example.com", make_app),
            fake_host("https://auth.example.com", small_app) as auth,
        ):
            async with self.session.get("https://api.example.com/stream") as response:
                chunks = [chunk async for chunk in response.content.iter_any()]
            self.assertEqual(b"".join(chunks), b"one,two,three")
            async with self.session.ws_connect("wss://api.example.com/ws") as ws:
                await ws.send_str("hi")
                self.assertEqual(await ws.receive_str(), "HI")
            await self.session.get("https://api.example.com/cookie/set")
            async with self.session.get("https://api.example.com/cookie/read") as response:
                self.assertEqual(await response.text(), "s3cret")
            async with self.session.get("https://api.example.com/moved") as response:
                self.assertEqual(str(response.url), "https://auth.example.com/v1/landed")
                self.assertEqual(len(response.history), 1)
        self.assertEqual([str(r.url) for r in auth.journal], ["https://auth.example.com/v1/landed"])

    async def test_trace_signals_fire(self) -> None:
        started: list[str] = []

        async def on_start(session: Any, context: Any, params: Any) -> None:
            started.append(str(params.url))

        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(on_start)
        async with (
            fake_host("http://api.example.com", small_app),
            aiohttp.ClientSession(trace_configs=[trace]) as session,
        ):
            await session.get("http://api.example.com/v1/t")
        self.assertEqual(started, ["http://api.example.com/v1/t"])

    async def test_handler_error_is_a_500_and_is_recorded(self) -> None:
        async with fake_host("http://api.example.com", make_app) as host:
            # Outside an aiotest test case, aiohttp's own log of the error is left as it is.
            with self.assertLogs("aiohttp.server", level="ERROR"):
                async with self.session.get("http://api.example.com/boom") as response:
                    self.assertEqual(response.status, 500)
            assert host.server is not None
            errors = host.server.handler_errors
            self.assertEqual(len(errors), 1)
            self.assertIn("the fake's handler failed", repr(errors[0]))

    async def test_decorator_passes_a_fresh_fake(self) -> None:
        seen: list[FakeHost] = []

        @fake_host("http://api.example.com", small_app)
        async def inner(host: FakeHost) -> int:
            seen.append(host)
            async with self.session.get("http://api.example.com/v1/d") as response:
                return response.status

        self.assertEqual(await inner(), 200)
        self.assertEqual(await inner(), 200)
        self.assertEqual(len(seen), 2)
        self.assertIsNot(seen[0], seen[1])
        self.assertEqual([len(h.journal) for h in seen], [1, 1])


class _Catcher:
    """An interceptor for the tests: claims every request and runs ``route``."""

    where = "tests"

    def __init__(self, route: Any) -> None:
        self.route = route

    def describe(self) -> str:
        return "catcher"

    def uninstall(self) -> None:
        _fakes.uninstall(self)


class TrustTest(unittest.IsolatedAsyncioTestCase):
    async def test_loopback_https_server_of_aiotest_is_not_trusted_by_default(self) -> None:
        # The server's certificate is issued by aiotest's throwaway CA; faking a host must
        # not make that CA trusted for anything else.
        server = TestServer(small_app(), scheme="https")
        async with (
            server,
            fake_host("https://api.example.com", small_app),
            aiohttp.ClientSession() as session,
        ):
            with self.assertRaises(aiohttp.ClientConnectorCertificateError):
                await session.get(server.make_url("/v1/x"))
            # The same server, trusted on purpose, answers: only trust was missing.
            assert server.client_ssl is not None
            async with session.get(server.make_url("/v1/x"), ssl=server.client_ssl) as r:
                self.assertEqual(r.status, 200)

    async def test_a_fake_hosts_certificate_does_not_vouch_for_another_name(self) -> None:
        async with fake_host("https://api.example.com", small_app) as api:
            assert api._target is not None
            target = api._target

            async def route(req: aiohttp.ClientRequest) -> object:
                # other.example.com is sent to api.example.com's server and authority.
                return target

            catcher = _Catcher(route)
            _fakes.install(catcher)
            try:
                async with aiohttp.ClientSession() as session:
                    with self.assertRaises(aiohttp.ClientConnectorCertificateError):
                        await session.get("https://other.example.com/v1/x")
            finally:
                _fakes.uninstall(catcher)

    def test_each_authority_is_constrained_to_its_host(self) -> None:
        certificate = certificate_for("api.example.com")
        authority = x509.load_pem_x509_certificate(certificate.authority_pem.encode())
        constraints = authority.extensions.get_extension_for_class(x509.NameConstraints)
        self.assertTrue(constraints.critical)
        self.assertEqual(constraints.value.permitted_subtrees, [x509.DNSName("api.example.com")])

    async def test_verification_stays_on(self) -> None:
        async with fake_host("https://api.example.com", small_app):
            router = _fakes._router()
            self.assertEqual(router.ssl_context.verify_mode, ssl.CERT_REQUIRED)
            self.assertTrue(router.ssl_context.check_hostname)


class FaultsTest(unittest.IsolatedAsyncioTestCase):
    async def test_upstream_times_out(self) -> None:
        async with (
            fake_host("http://api.example.com", small_app, faults=True) as host,
            aiohttp.ClientSession() as session,
        ):
            with host.proxy.slowdown(write_delay=1.0), self.assertRaises(asyncio.TimeoutError):
                await session.get(
                    "http://api.example.com/v1/x", timeout=aiohttp.ClientTimeout(total=0.2)
                )

    async def test_upstream_resets_and_refuses_and_blackholes(self) -> None:
        async with (
            fake_host("http://api.example.com", small_app, faults=True) as host,
            aiohttp.ClientSession() as session,
        ):
            async with host.proxy.refuse_connections():
                with self.assertRaises(aiohttp.ClientConnectorError):
                    await session.get("http://api.example.com/v1/x")
            with host.proxy.blackhole(), self.assertRaises(asyncio.TimeoutError):
                await session.get(
                    "http://api.example.com/v1/x", timeout=aiohttp.ClientTimeout(total=0.2)
                )
            async with session.get("http://api.example.com/v1/x") as response:
                self.assertEqual(response.status, 200)

    async def test_proxy_needs_faults(self) -> None:
        async with fake_host("http://api.example.com", small_app) as host:
            with self.assertRaisesRegex(RuntimeError, "faults=True"):
                host.proxy  # noqa: B018


class HygieneTest(unittest.IsolatedAsyncioTestCase):
    async def test_everything_is_undone_when_the_block_fails(self) -> None:
        original = aiohttp.BaseConnector.connect
        with self.assertRaises(ZeroDivisionError):
            async with fake_host("http://api.example.com", small_app) as host:
                self.assertIsNot(aiohttp.BaseConnector.connect, original)
                1 / 0  # noqa: B018
        self.assertIs(aiohttp.BaseConnector.connect, original)
        self.assertEqual(_fakes.active_fakes(), [])
        self.assertTrue(host.server is not None and host.server.closed)

    async def test_a_fake_left_installed_is_reported_and_undone(self) -> None:
        host = fake_host("http://api.example.com", small_app)
        await host.start()
        line = _fakes.active_fakes()
        self.assertEqual(len(line), 1)
        self.assertRegex(line[0], r"^fake host http://api.example.com, installed at .*test_fakes")
        self.assertEqual(_fakes.uninstall_all_fakes(), line)
        self.assertEqual(_fakes.active_fakes(), [])
        async with aiohttp.ClientSession() as session:
            calls: list[str] = []

            async def route(req: aiohttp.ClientRequest) -> object:
                calls.append(str(req.url))
                raise aiohttp.ClientConnectionError("not the fake")

            catcher = _Catcher(route)
            _fakes.install(catcher)
            try:
                with self.assertRaisesRegex(aiohttp.ClientConnectionError, "not the fake"):
                    await session.get("http://api.example.com/v1/x")
            finally:
                _fakes.uninstall(catcher)
        self.assertEqual(host.journal, [])
        await host.close()


async def peer(request: web.Request) -> web.Response:
    assert request.transport is not None
    return web.Response(text=str(request.transport.get_extra_info("peername")[1]))


def peer_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/peer", peer)
    return app


class ConnectionReuseTest(unittest.IsolatedAsyncioTestCase):
    async def test_connections_are_reused_then_closed_with_the_fake(self) -> None:
        async with aiohttp.ClientSession() as session:
            async with fake_host("http://api.example.com", peer_app) as host:
                ports = []
                for _ in range(3):
                    async with session.get("http://api.example.com/peer") as response:
                        ports.append(await response.text())
                router = _fakes._router()
                [pool] = router.pools.values()
                self.assertFalse(pool.closed)
            # The three requests came over one connection, from one client port.
            self.assertEqual(len(set(ports)), 1)
            self.assertTrue(pool.closed)
            self.assertEqual(router.pools, {})
            self.assertTrue(host.server is not None and host.server.closed)

    def test_the_loop_shutting_down_closes_what_a_fake_kept_open(self) -> None:
        import gc
        import warnings

        async def leave_a_connection() -> aiohttp.BaseConnector:
            host = fake_host("http://api.example.com", peer_app)
            await host.start()
            async with aiohttp.ClientSession() as session:
                await (await session.get("http://api.example.com/peer")).read()
            [pool] = _fakes._router().pools.values()
            host.uninstall()  # as from sync code: the connection stays in the pool
            assert host.server is not None
            await host.server.close()
            self.assertFalse(pool.closed)
            return pool

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pool = asyncio.run(leave_a_connection())
            self.assertTrue(pool.closed)
            del pool
            gc.collect()
        self.assertEqual([str(w.message) for w in caught], [])
        self.assertEqual(len(_fakes._routers), 0)

    def test_a_loop_closed_without_shutting_down_is_not_kept_for_good(self) -> None:
        import gc
        import warnings

        pools: list[weakref.ref[aiohttp.BaseConnector]] = []

        async def leave_a_connection() -> None:
            host = fake_host("http://api.example.com", peer_app)
            await host.start()
            async with aiohttp.ClientSession() as session:
                await (await session.get("http://api.example.com/peer")).read()
            pools.extend(weakref.ref(pool) for pool in _fakes._router().pools.values())
            host.uninstall()  # as from sync code: the connection stays in the pool
            assert host.server is not None
            await host.server.close()

        async def use_fakes_again() -> None:
            _fakes._router()

        # aiohttp.test_utils.teardown_test_loop closes a loop this way.
        loop = asyncio.new_event_loop()
        loop.run_until_complete(leave_a_connection())
        loop.close()
        self.assertIn(loop, _fakes._routers)
        self.assertEqual(len(pools), 1)
        with warnings.catch_warnings():
            # The kept connection's socket is closed by the collector, as asyncio says.
            warnings.simplefilter("ignore", ResourceWarning)
            asyncio.run(use_fakes_again())
            gc.collect()
        self.assertNotIn(loop, _fakes._routers)
        # The pool and its kept connection went with the router.
        self.assertIsNone(pools[0]())


class CloseAllTest(unittest.IsolatedAsyncioTestCase):
    async def test_close_all_fakes_closes_leaked_servers_too(self) -> None:
        from aiotest import aioresponses

        host = fake_host("http://api.example.com", small_app)
        await host.start()
        mocked = aioresponses()
        mocked.start()
        leaked = await _fakes.close_all_fakes()
        self.assertEqual(len(leaked), 2)
        self.assertTrue(leaked[0].startswith("fake host http://api.example.com, installed at"))
        self.assertTrue(leaked[1].startswith("aioresponses with 0 registrations, installed at"))
        self.assertEqual(_fakes.active_fakes(), [])
        self.assertTrue(host.server is not None and host.server.closed)
        self.assertEqual(await _fakes.close_all_fakes(), [])


class BadInputTest(unittest.TestCase):
    def test_origin_problems_are_named(self) -> None:
        cases = {
            "ftp://api.example.com": "scheme must be http or https",
            "https://api.example.com/v1": "leave out the path",
            "api.example.com": "scheme must be http or https",
            "http://127.0.0.1:8080": "loopback",
            "http://localhost": "loopback",
            "https://10.0.0.1": "IP address",
        }
        for origin, problem in cases.items():
            with self.subTest(origin=origin), self.assertRaisesRegex(ValueError, problem):
                fake_host(origin, small_app)

    def test_app_must_be_an_application(self) -> None:
        with self.assertRaisesRegex(TypeError, "web.Application"):
            fake_host("http://api.example.com", "app")  # type: ignore[arg-type]

    def test_decorator_needs_an_async_test(self) -> None:
        with self.assertRaisesRegex(TypeError, "async def"):
            fake_host("http://api.example.com", small_app)(lambda: None)  # type: ignore[arg-type,return-value]


class DuplicateTest(unittest.IsolatedAsyncioTestCase):
    async def test_an_origin_is_faked_once(self) -> None:
        async with fake_host("http://api.example.com", small_app):
            with self.assertRaisesRegex(ValueError, "already faked by the fake installed at"):
                async with fake_host("http://api.example.com:80", small_app):
                    pass


if __name__ == "__main__":
    unittest.main()


class EngineHygieneTest(unittest.TestCase):
    """A fake left installed is undone when its test ends, and check_leaks reports it."""

    def leaking_case(self, check_leaks: bool) -> type[aiotest.AsyncTestCase]:
        class Leaks(aiotest.AsyncTestCase):
            async def test_1_leaves_a_fake_installed(self) -> None:
                await fake_host("http://api.example.com", small_app).start()

            async def test_2_finds_no_fake(self) -> None:
                self.assertEqual(_fakes.active_fakes(), [])

        Leaks.check_leaks = check_leaks
        return Leaks

    def test_check_leaks_fails_the_test_that_left_a_fake(self) -> None:
        result = unittest.TestResult()
        unittest.defaultTestLoader.loadTestsFromTestCase(self.leaking_case(True)).run(result)
        self.assertEqual(result.errors, [])
        [(failed, report)] = result.failures
        self.assertEqual(failed.id().rsplit(".", 1)[-1], "test_1_leaves_a_fake_installed")
        self.assertIn("the test left 1 fake(s) installed (check_leaks)", report)
        self.assertIn("fake host http://api.example.com, installed at", report)
        self.assertEqual(_fakes.active_fakes(), [])

    def test_without_check_leaks_the_fake_is_still_undone(self) -> None:
        result = unittest.TestResult()
        unittest.defaultTestLoader.loadTestsFromTestCase(self.leaking_case(False)).run(result)
        self.assertEqual(result.failures + result.errors, [])
        self.assertEqual(result.testsRun, 2)
        self.assertEqual(_fakes.active_fakes(), [])

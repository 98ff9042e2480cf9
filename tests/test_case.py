"""AsyncTestCase and AioHTTPTestCase: hooks, legacy spellings, loops and debug mode."""

from __future__ import annotations

import asyncio
import os
import unittest
from typing import Any
from unittest import mock

from aiohttp import web

import aiotest

from ._support import ResultAssertions, make_app, run_case


class TestAioHTTPTestCaseFixture(ResultAssertions):
    def test_hooks_run_in_order_and_set_attributes(self) -> None:
        calls: list[str] = []
        seen: dict[str, Any] = {}

        class Case(aiotest.AioHTTPTestCase):
            async def asyncSetUp(self) -> None:
                calls.append("asyncSetUp")
                await super().asyncSetUp()
                calls.append("asyncSetUp done")

            async def get_application(self) -> web.Application:
                calls.append("get_application")
                return make_app()

            async def get_server(self, app: web.Application) -> aiotest.TestServer:
                calls.append("get_server")
                self.assertIs(app, self.app)
                return await super().get_server(app)

            async def get_client(
                self, server: aiotest.TestServer
            ) -> aiotest.TestClient[web.Request, web.Application]:
                calls.append("get_client")
                self.assertIs(server, self.server)
                self.assertFalse(server.started, "the server starts after get_client")
                return await super().get_client(server)

            async def test_fixture(self) -> None:
                calls.append("test")
                seen["loop is running loop"] = self.loop is asyncio.get_running_loop()
                seen["client.server"] = self.client.server is self.server
                seen["server.app"] = self.server.app is self.app
                seen["server type"] = type(self.server)
                seen["client type"] = type(self.client)
                seen["server started"] = self.server.started
                async with self.client.get("/") as response:
                    seen["text"] = await response.text()
                seen["client"] = self.client

            async def asyncTearDown(self) -> None:
                calls.append("asyncTearDown")
                await super().asyncTearDown()

        self.assertPassed(run_case(Case))
        self.assertEqual(
            calls,
            [
                "asyncSetUp",
                "get_application",
                "get_server",
                "get_client",
                "asyncSetUp done",
                "test",
                "asyncTearDown",
            ],
        )
        self.assertEqual(
            seen,
            {
                "loop is running loop": True,
                "client.server": True,
                "server.app": True,
                "server type": aiotest.TestServer,
                "client type": aiotest.TestClient,
                "server started": True,
                "text": "Hello, world",
                "client": seen["client"],
            },
        )
        self.assertTrue(seen["client"].closed)
        self.assertTrue(seen["client"].session.closed)
        self.assertTrue(seen["client"].server.closed)

    def test_legacy_sync_get_app(self) -> None:
        texts: list[str] = []

        class Case(aiotest.AioHTTPTestCase):
            def get_app(self) -> web.Application:
                return make_app()

            async def test_get(self) -> None:
                response = await self.client.get("/")
                texts.append(await response.text())

        self.assertPassed(run_case(Case))
        self.assertEqual(texts, ["Hello, world"])

    def test_get_application_with_a_loop_parameter(self) -> None:
        received: list[object] = []

        class Case(aiotest.AioHTTPTestCase):
            async def get_application(self, loop: object = None) -> web.Application:
                received.append(loop)
                return make_app()

            async def test_get(self) -> None:
                self.assertEqual((await self.client.get("/")).status, 200)

        self.assertPassed(run_case(Case))
        self.assertEqual(received, [None])

    def test_missing_application_names_the_method_to_override(self) -> None:
        class NoApplication(aiotest.AioHTTPTestCase):
            async def test_nothing(self) -> None:
                pass

        result = run_case(NoApplication)
        self.assertEqual(len(result.errors), 1)
        text = result.errors[0][1]
        self.assertIn("NoApplication defines no application", text)
        self.assertIn("get_application", text)
        self.assertIn("get_app", text)

    def test_setup_async_and_teardown_async_overrides_calling_super(self) -> None:
        calls: list[str] = []

        class Case(aiotest.AioHTTPTestCase):
            async def get_application(self) -> web.Application:
                return make_app()

            async def setUpAsync(self) -> None:
                calls.append("setUpAsync")
                await super().setUpAsync()
                calls.append(f"client started: {self.client.port is not None}")

            async def tearDownAsync(self) -> None:
                calls.append(f"client open: {not self.client.closed}")
                await super().tearDownAsync()
                calls.append(f"client closed: {self.client.closed}")

            async def test_it(self) -> None:
                calls.append("test")

        self.assertPassed(run_case(Case))
        self.assertEqual(
            calls,
            [
                "setUpAsync",
                "client started: True",
                "test",
                "client open: True",
                "client closed: True",
            ],
        )

    def test_sync_test_method_drives_self_loop(self) -> None:
        texts: list[str] = []

        class Case(aiotest.AioHTTPTestCase):
            async def get_application(self) -> web.Application:
                return make_app()

            def test_sync(self) -> None:
                async def fetch() -> str:
                    response = await self.client.get("/")
                    return await response.text()

                texts.append(self.loop.run_until_complete(fetch()))

        self.assertPassed(run_case(Case))
        self.assertEqual(texts, ["Hello, world"])

    def test_subclass_calling_base_setup_and_teardown_directly(self) -> None:
        calls: list[str] = []

        class Case(aiotest.AioHTTPTestCase):
            def get_app(self) -> web.Application:
                return make_app()

            def setUp(self) -> None:
                aiotest.AioHTTPTestCase.setUp(self)
                # Suites written for aiohttp 2.x use the running fixture from setUp.
                calls.append(f"setUp port: {self.client.port is not None}")
                calls.append(f"setUp loop: {asyncio.get_event_loop() is self.loop}")

                async def fetch() -> str:
                    response = await self.client.get("/")
                    return await response.text()

                calls.append(self.loop.run_until_complete(fetch()))

            def tearDown(self) -> None:
                calls.append("tearDown")
                aiotest.AioHTTPTestCase.tearDown(self)

            async def test_async(self) -> None:
                calls.append(f"same loop: {self.loop is asyncio.get_running_loop()}")

        result = run_case(Case)
        self.assertPassed(result)
        self.assertEqual(
            calls,
            [
                "setUp port: True",
                "setUp loop: True",
                "Hello, world",
                "same loop: True",
                "tearDown",
            ],
        )

    def test_each_test_gets_its_own_fixture_and_loop(self) -> None:
        seen: list[tuple[asyncio.AbstractEventLoop, aiotest.TestClient[Any, Any]]] = []

        class Case(aiotest.AioHTTPTestCase):
            async def get_application(self) -> web.Application:
                return make_app()

            async def test_one(self) -> None:
                seen.append((self.loop, self.client))

            async def test_two(self) -> None:
                seen.append((self.loop, self.client))

        self.assertPassed(run_case(Case), count=2)
        (loop_one, client_one), (loop_two, client_two) = seen
        self.assertIsNot(loop_one, loop_two)
        self.assertIsNot(client_one, client_two)
        self.assertTrue(loop_one.is_closed())
        self.assertTrue(loop_two.is_closed())
        self.assertTrue(client_one.closed and client_two.closed)

    def test_failing_test_still_closes_the_fixture(self) -> None:
        clients: list[aiotest.TestClient[Any, Any]] = []

        class Case(aiotest.AioHTTPTestCase):
            async def get_application(self) -> web.Application:
                return make_app()

            async def test_fails(self) -> None:
                clients.append(self.client)
                self.assertEqual(1, 2)

        result = run_case(Case)
        self.assertEqual(len(result.failures), 1)
        self.assertTrue(clients[0].closed)
        self.assertTrue(clients[0].session.closed)
        self.assertTrue(clients[0].server.closed)


class TestDebugMode(ResultAssertions):
    def debug_flags(self, **attributes: Any) -> list[bool]:
        flags: list[bool] = []

        def test_flag(self: unittest.TestCase) -> None:
            flags.append(asyncio.get_running_loop().get_debug())

        async def test_async(self: aiotest.AsyncTestCase) -> None:
            test_flag(self)

        async def get_application(self: aiotest.AioHTTPTestCase) -> web.Application:
            return make_app()

        plain = type("Plain", (aiotest.AsyncTestCase,), {"test_it": test_async, **attributes})
        with_app = type(
            "WithApp",
            (aiotest.AioHTTPTestCase,),
            {"test_it": test_async, "get_application": get_application, **attributes},
        )
        self.assertPassed(run_case(plain))
        self.assertPassed(run_case(with_app))
        return flags

    def test_off_by_default(self) -> None:
        with mock.patch.dict(os.environ):
            os.environ.pop("PYTHONASYNCIODEBUG", None)
            self.assertEqual(self.debug_flags(), [False, False])

    def test_on_with_loop_debug(self) -> None:
        with mock.patch.dict(os.environ):
            os.environ.pop("PYTHONASYNCIODEBUG", None)
            self.assertEqual(self.debug_flags(loop_debug=True), [True, True])

    def test_on_with_pythonasynciodebug(self) -> None:
        with mock.patch.dict(os.environ, {"PYTHONASYNCIODEBUG": "1"}):
            self.assertEqual(self.debug_flags(), [True, True])

    def test_class_attribute_wins_over_the_environment(self) -> None:
        with mock.patch.dict(os.environ, {"PYTHONASYNCIODEBUG": "1"}):
            self.assertEqual(self.debug_flags(loop_debug=False), [False, False])


class MarkedLoop(asyncio.SelectorEventLoop):
    """An event loop that tests can recognise."""


class TestLoopFactory(ResultAssertions):
    def test_plain_function_class_attribute_is_not_bound(self) -> None:
        made: list[asyncio.AbstractEventLoop] = []
        seen: list[asyncio.AbstractEventLoop] = []

        def make_marked_loop() -> asyncio.AbstractEventLoop:
            loop = MarkedLoop()
            made.append(loop)
            return loop

        class Case(aiotest.AioHTTPTestCase):
            loop_factory = make_marked_loop

            async def get_application(self) -> web.Application:
                return make_app()

            async def test_loop(self) -> None:
                seen.append(asyncio.get_running_loop())
                self.assertEqual((await self.client.get("/")).status, 200)

        self.assertPassed(run_case(Case))
        self.assertEqual(len(made), 1)
        self.assertIs(seen[0], made[0])
        self.assertIsInstance(seen[0], MarkedLoop)
        self.assertTrue(made[0].is_closed())

    def test_staticmethod_loop_factory(self) -> None:
        seen: list[asyncio.AbstractEventLoop] = []

        class Case(aiotest.AsyncTestCase):
            loop_factory = staticmethod(MarkedLoop)

            async def test_loop(self) -> None:
                seen.append(asyncio.get_running_loop())

        self.assertPassed(run_case(Case))
        self.assertIsInstance(seen[0], MarkedLoop)

    def test_default_loop_is_asyncio_own_and_closed_afterwards(self) -> None:
        seen: list[asyncio.AbstractEventLoop] = []

        class Case(aiotest.AsyncTestCase):
            async def test_loop(self) -> None:
                seen.append(asyncio.get_running_loop())
                self.assertIs(self.loop, seen[0])

        self.assertPassed(run_case(Case))
        self.assertNotIsInstance(seen[0], MarkedLoop)
        self.assertTrue(seen[0].is_closed())


if __name__ == "__main__":
    unittest.main()

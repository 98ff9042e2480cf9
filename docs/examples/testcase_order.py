"""The order in which AioHTTPTestCase runs its hooks and the application's signals."""

from __future__ import annotations

import unittest

from aiohttp import web

from aiotest import AioHTTPTestCase, TestClient, TestServer


class HookOrderTests(unittest.TestCase):
    def test_hooks_run_in_this_order(self) -> None:
        events: list[str] = []

        async def on_startup(app: web.Application) -> None:
            events.append("on_startup")

        async def on_shutdown(app: web.Application) -> None:
            events.append("on_shutdown")

        async def on_cleanup(app: web.Application) -> None:
            events.append("on_cleanup")

        class Recorded(AioHTTPTestCase):
            async def asyncSetUp(self) -> None:
                events.append("asyncSetUp")
                await super().asyncSetUp()
                events.append("asyncSetUp: the server is running")

            async def get_application(self) -> web.Application:
                events.append("get_application")
                app = web.Application()
                app.on_startup.append(on_startup)
                app.on_shutdown.append(on_shutdown)
                app.on_cleanup.append(on_cleanup)
                return app

            async def get_server(self, app: web.Application) -> TestServer:
                events.append("get_server")
                return await super().get_server(app)

            async def get_client(
                self, server: TestServer
            ) -> TestClient[web.Request, web.Application]:
                events.append("get_client")
                return await super().get_client(server)

            async def test_something(self) -> None:
                events.append("test")

            async def asyncTearDown(self) -> None:
                events.append("asyncTearDown")
                await super().asyncTearDown()
                events.append("asyncTearDown: the server is closed")

            def tearDown(self) -> None:
                events.append("tearDown")

        result = unittest.TestResult()
        Recorded("test_something").run(result)

        self.assertEqual(result.errors, [])
        self.assertEqual(
            events,
            [
                "asyncSetUp",
                "get_application",
                "get_server",
                "get_client",
                "on_startup",
                "asyncSetUp: the server is running",
                "test",
                "asyncTearDown",
                "on_shutdown",
                "on_cleanup",
                "asyncTearDown: the server is closed",
                "tearDown",
            ],
        )

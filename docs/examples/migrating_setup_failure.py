"""A failing on_startup: the error is reported and nothing stays open."""

from __future__ import annotations

import unittest

from aiohttp import web

from aiotest import AioHTTPTestCase


class SetupFailureTests(unittest.TestCase):
    def test_on_cleanup_runs_when_on_startup_fails(self) -> None:
        events: list[str] = []

        async def connect_database(app: web.Application) -> None:
            events.append("cleanup registered")
            app.on_cleanup.append(disconnect_database)
            raise ConnectionRefusedError("database is down")

        async def disconnect_database(app: web.Application) -> None:
            events.append("on_cleanup ran")

        class BrokenStartup(AioHTTPTestCase):
            async def get_application(self) -> web.Application:
                app = web.Application()
                app.on_startup.append(connect_database)
                return app

            async def test_never_runs(self) -> None:
                events.append("test ran")

        case = BrokenStartup("test_never_runs")
        result = unittest.TestResult()
        case.run(result)

        [(_, traceback)] = result.errors
        self.assertIn("ConnectionRefusedError: database is down", traceback)
        self.assertEqual(events, ["cleanup registered", "on_cleanup ran"])
        self.assertTrue(case.client.session.closed)
        self.assertTrue(case.server.closed)

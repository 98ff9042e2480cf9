"""One app, server and client for every test of a class: server_scope = "class"."""

from __future__ import annotations

import unittest

from aiohttp import web

from aiotest import AioHTTPTestCase

ITEMS = web.AppKey("items", list)
OPENED = web.AppKey("opened", list)


async def list_items(request: web.Request) -> web.Response:
    return web.json_response(request.app[ITEMS])


async def add_item(request: web.Request) -> web.Response:
    request.app[ITEMS].append(await request.text())
    return web.json_response(request.app[ITEMS], status=201)


async def login(request: web.Request) -> web.Response:
    response = web.Response(text="welcome")
    response.set_cookie("session", "abc")
    return response


async def open_pool(app: web.Application) -> None:
    app[OPENED].append("pool")  # stands for an expensive on_startup: a database pool


def create_app() -> web.Application:
    app = web.Application()
    app[ITEMS] = []
    app[OPENED] = []
    app.router.add_get("/items", list_items)
    app.router.add_post("/items", add_item)
    app.router.add_post("/login", login)
    app.on_startup.append(open_pool)
    return app


class ItemsTests(AioHTTPTestCase):
    server_scope = "class"  # built before the first test, closed after the last

    async def get_application(self) -> web.Application:
        return create_app()

    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        # State on the app survives from test to test: reset what the tests change.
        self.app[ITEMS].clear()

    async def test_add_an_item(self) -> None:
        async with self.client.post("/items", data="apple") as response:
            self.assertEqual(response.status, 201)
            self.assertEqual(await response.json(), ["apple"])

    async def test_the_list_starts_empty(self) -> None:
        async with self.client.get("/items") as response:
            self.assertEqual(await response.json(), [])

    async def test_on_startup_ran_once_for_the_class(self) -> None:
        self.assertEqual(self.app[OPENED], ["pool"])

    async def test_log_in(self) -> None:
        async with self.client.post("/login") as response:
            self.assertEqual(await response.text(), "welcome")
        self.assertEqual(len(self.client.session.cookie_jar), 1)

    async def test_cookies_do_not_reach_the_next_test(self) -> None:
        # Whatever test ran before, its cookies were cleared when it ended.
        self.assertEqual(len(self.client.session.cookie_jar), 0)


class SharedFixtureFacts(unittest.TestCase):
    """What the class above shares, shown by running it."""

    def test_one_server_serves_the_whole_class(self) -> None:
        ports: set[int | None] = set()

        class Recorded(ItemsTests):
            async def asyncTearDown(self) -> None:
                ports.add(self.client.port)
                await super().asyncTearDown()

        suite = unittest.defaultTestLoader.loadTestsFromTestCase(Recorded)
        result = unittest.TestResult()
        suite.run(result)
        self.assertTrue(result.wasSuccessful(), result.errors + result.failures)
        self.assertEqual(result.testsRun, 5)
        self.assertEqual(len(ports), 1)

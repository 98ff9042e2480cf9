"""The framework-agnostic examples of the aiohttp testing docs: loop_context and friends."""

from __future__ import annotations

import asyncio
import unittest
from types import ModuleType

from aiohttp import web

from . import load_tests_for


def _create_example_app() -> web.Application:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="Hello, world")

    app = web.Application()
    app.router.add_get("/", hello)
    return app


def make_suite(tu: ModuleType) -> list[type[unittest.TestCase]]:
    class FrameworkAgnosticTest(unittest.TestCase):
        def test_granular_client(self) -> None:
            with tu.loop_context() as loop:
                app = _create_example_app()
                client = tu.TestClient(tu.TestServer(app), loop=loop)
                loop.run_until_complete(client.start_server())
                root = f"http://127.0.0.1:{client.port}"

                async def test_get_route() -> None:
                    resp = await client.get("/")
                    assert resp.status == 200
                    text = await resp.text()
                    assert "Hello, world" in text
                    assert str(resp.url).startswith(root)

                loop.run_until_complete(test_get_route())
                loop.run_until_complete(client.close())

        def test_async_with_client_inside_loop_context(self) -> None:
            with tu.loop_context() as loop:

                async def test_get_route() -> str:
                    async with tu.TestClient(tu.TestServer(_create_example_app())) as client:
                        resp = await client.get("/")
                        return str(await resp.text())

                self.assertEqual(loop.run_until_complete(test_get_route()), "Hello, world")

        def test_plain_with_is_refused(self) -> None:
            # The docs' older `with TestClient(...)` form: both modules now ask for async with.
            with tu.loop_context() as loop:
                client = tu.TestClient(tu.TestServer(_create_example_app()), loop=loop)
                with self.assertRaises(TypeError), client:
                    pass
                loop.run_until_complete(client.close())

        def test_loop_context_sets_and_closes_the_loop(self) -> None:
            with tu.loop_context() as loop:
                self.assertIs(asyncio.get_event_loop_policy().get_event_loop(), loop)
                self.assertFalse(loop.is_closed())
            self.assertTrue(loop.is_closed())

        def test_loop_context_with_a_factory(self) -> None:
            made: list[asyncio.AbstractEventLoop] = []

            def factory() -> asyncio.AbstractEventLoop:
                made.append(asyncio.new_event_loop())
                return made[-1]

            with tu.loop_context(factory) as loop:
                self.assertIs(loop, made[0])
            self.assertTrue(loop.is_closed())

        def test_setup_and_teardown_test_loop(self) -> None:
            loop = tu.setup_test_loop()
            try:
                self.assertIs(asyncio.get_event_loop_policy().get_event_loop(), loop)
                self.assertEqual(loop.run_until_complete(asyncio.sleep(0, "ran")), "ran")
            finally:
                tu.teardown_test_loop(loop)
            self.assertTrue(loop.is_closed())

    return [FrameworkAgnosticTest]


load_tests = load_tests_for(make_suite)

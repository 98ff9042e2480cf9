"""server_scope = "class": one loop, app, server and client for all tests of a class."""

from __future__ import annotations

import asyncio
import contextvars
import os
import pathlib
import subprocess
import sys
import tempfile
import textwrap
import unittest
from typing import Any

from aiohttp import web

import aiotest
from aiotest._fixture import BAD_SERVER_SCOPE

from ._support import echo_websocket, problems, run_classes

HITS = web.AppKey("hits", list[str])

EVENT: contextvars.ContextVar[str] = contextvars.ContextVar("EVENT", default="unset")


def make_app(events: list[str]) -> web.Application:
    """An app that counts its requests, sets a cookie, echoes websockets, logs its life."""
    app = web.Application()
    app[HITS] = []

    async def hello(request: web.Request) -> web.Response:
        request.app[HITS].append(request.cookies.get("visited", "-"))
        response = web.Response(text=str(len(request.app[HITS])))
        response.set_cookie("visited", "yes")
        return response

    async def started(app: web.Application) -> None:
        events.append("startup")

    async def cleaned(app: web.Application) -> None:
        events.append("cleanup")

    app.router.add_get("/", hello)
    app.router.add_get("/ws", echo_websocket)
    app.on_startup.append(started)
    app.on_cleanup.append(cleaned)
    return app


class SharedFixtureTest(unittest.TestCase):
    def test_one_loop_app_server_and_client_serve_every_test(self) -> None:
        events: list[str] = []
        seen: list[tuple[int, int, int, int, int | None]] = []

        class Shared(aiotest.AioHTTPTestCase):
            server_scope = "class"

            async def get_application(self) -> web.Application:
                events.append("get_application")
                return make_app(events)

            async def check(self) -> None:
                async with self.client.get("/") as response:
                    self.assertEqual(response.status, 200)
                loop = asyncio.get_running_loop()
                self.assertIs(self.loop, loop)
                seen.append(
                    (id(loop), id(self.app), id(self.server), id(self.client), self.client.port)
                )

            async def test_1(self) -> None:
                await self.check()

            async def test_2(self) -> None:
                await self.check()

            async def test_3(self) -> None:
                await self.check()

        result, resource_warnings = run_classes(Shared)
        self.assertEqual(problems(result), [])
        self.assertEqual(result.testsRun, 3)
        self.assertEqual(len(set(seen)), 1, seen)
        self.assertEqual(events, ["get_application", "startup", "cleanup"])
        self.assertEqual(resource_warnings, [])

    def test_the_default_scope_builds_a_fixture_per_test(self) -> None:
        events: list[str] = []

        class PerTest(aiotest.AioHTTPTestCase):
            async def get_application(self) -> web.Application:
                return make_app(events)

            async def test_1(self) -> None:
                pass

            async def test_2(self) -> None:
                pass

        result, _ = run_classes(PerTest)
        self.assertEqual(problems(result), [])
        self.assertEqual(events, ["startup", "cleanup"] * 2)

    def test_everything_is_closed_after_the_last_test(self) -> None:
        kept: dict[str, Any] = {}

        class Shared(aiotest.AioHTTPTestCase):
            server_scope = "class"

            async def get_application(self) -> web.Application:
                return make_app([])

            async def test_1(self) -> None:
                kept.update(loop=self.loop, client=self.client, server=self.server)
                async with self.client.get("/"):
                    pass

        result, resource_warnings = run_classes(Shared)
        self.assertEqual(problems(result), [])
        self.assertTrue(kept["client"].closed)
        self.assertTrue(kept["server"].closed)
        self.assertTrue(kept["loop"].is_closed())
        self.assertIsNone(kept["server"].port)
        self.assertEqual(resource_warnings, [])

    def test_state_on_the_app_survives_from_one_test_to_the_next(self) -> None:
        counts: list[str] = []

        class Shared(aiotest.AioHTTPTestCase):
            server_scope = "class"

            async def get_application(self) -> web.Application:
                return make_app([])

            async def test_1(self) -> None:
                async with self.client.get("/") as response:
                    counts.append(await response.text())

            async def test_2(self) -> None:
                async with self.client.get("/") as response:
                    counts.append(await response.text())

        result, _ = run_classes(Shared)
        self.assertEqual(problems(result), [])
        self.assertEqual(counts, ["1", "2"])

    def test_attributes_the_hooks_set_are_given_to_every_test(self) -> None:
        class Shared(aiotest.AioHTTPTestCase):
            server_scope = "class"

            async def get_application(self) -> web.Application:
                self.database = {"name": "shared"}
                return make_app([])

            async def test_1(self) -> None:
                self.assertEqual(self.database, {"name": "shared"})

            async def test_2(self) -> None:
                self.assertEqual(self.database, {"name": "shared"})

        result, _ = run_classes(Shared)
        self.assertEqual(problems(result), [])
        self.assertEqual(result.testsRun, 2)

    def test_a_subclass_builds_its_own_fixture(self) -> None:
        events: list[str] = []

        class Base(aiotest.AioHTTPTestCase):
            server_scope = "class"

            async def get_application(self) -> web.Application:
                return make_app(events)

            async def test_1(self) -> None:
                pass

        class Child(Base):
            pass

        for case_class in (Base, Child):
            result, _ = run_classes(case_class)
            self.assertEqual(problems(result), [])
        self.assertEqual(events, ["startup", "cleanup"] * 2)

    def test_a_sync_setup_finds_the_shared_loop(self) -> None:
        loops: list[asyncio.AbstractEventLoop] = []

        class Shared(aiotest.AioHTTPTestCase):
            server_scope = "class"

            async def get_application(self) -> web.Application:
                return make_app([])

            def setUp(self) -> None:
                super().setUp()
                loops.append(asyncio.get_event_loop())

            async def test_1(self) -> None:
                loops.append(asyncio.get_running_loop())

            async def test_2(self) -> None:
                loops.append(asyncio.get_running_loop())

        result, _ = run_classes(Shared)
        self.assertEqual(problems(result), [])
        self.assertEqual(len(loops), 4)
        self.assertEqual(len({id(loop) for loop in loops}), 1)


class BetweenTestsTest(unittest.TestCase):
    def test_responses_websockets_and_cookies_do_not_reach_the_next_test(self) -> None:
        left: dict[str, Any] = {}
        cookies_seen: list[str] = []

        class Shared(aiotest.AioHTTPTestCase):
            server_scope = "class"

            async def get_application(self) -> web.Application:
                return make_app([])

            async def test_1_leaves_things_open(self) -> None:
                left["response"] = await self.client.get("/")
                left["websocket"] = await self.client.ws_connect("/ws")
                self.assertEqual(len(self.client.session.cookie_jar), 1)

            async def test_2_starts_clean(self) -> None:
                self.assertTrue(left["response"].closed)
                self.assertTrue(left["websocket"].closed)
                self.assertEqual(len(self.client.session.cookie_jar), 0)
                async with self.client.get("/") as response:
                    self.assertEqual(response.status, 200)
                hits: list[str] = self.app[HITS]
                cookies_seen.extend(hits)

        result, resource_warnings = run_classes(Shared)
        self.assertEqual(problems(result), [])
        # The second request carried no cookie from the first test.
        self.assertEqual(cookies_seen, ["-", "-"])
        self.assertEqual(resource_warnings, [])

    def test_each_test_has_its_own_context(self) -> None:
        seen: list[str] = []

        class Shared(aiotest.AioHTTPTestCase):
            server_scope = "class"

            async def get_application(self) -> web.Application:
                return make_app([])

            async def test_1(self) -> None:
                seen.append(EVENT.get())
                EVENT.set("set by test_1")

            async def test_2(self) -> None:
                seen.append(EVENT.get())

        result, _ = run_classes(Shared)
        self.assertEqual(problems(result), [])
        self.assertEqual(seen, ["unset", "unset"])

    def test_setup_and_teardown_overrides_run_for_every_test(self) -> None:
        calls: list[str] = []

        class Shared(aiotest.AioHTTPTestCase):
            server_scope = "class"

            async def get_application(self) -> web.Application:
                return make_app([])

            async def asyncSetUp(self) -> None:
                await super().asyncSetUp()
                calls.append(f"setup {self.client.port is not None}")

            async def asyncTearDown(self) -> None:
                calls.append("teardown")
                await super().asyncTearDown()

            async def test_1(self) -> None:
                calls.append("test")

            async def test_2(self) -> None:
                calls.append("test")

        result, _ = run_classes(Shared)
        self.assertEqual(problems(result), [])
        self.assertEqual(calls, ["setup True", "test", "teardown"] * 2)


class FailuresTest(unittest.TestCase):
    def test_a_failing_test_fails_alone_and_the_fixture_is_still_closed(self) -> None:
        events: list[str] = []

        class Shared(aiotest.AioHTTPTestCase):
            server_scope = "class"

            async def get_application(self) -> web.Application:
                return make_app(events)

            async def test_1_fails(self) -> None:
                self.fail("on purpose")

            async def test_2_errors(self) -> None:
                raise RuntimeError("on purpose")

            async def test_3_passes(self) -> None:
                async with self.client.get("/") as response:
                    self.assertEqual(response.status, 200)

        result, resource_warnings = run_classes(Shared)
        self.assertEqual(result.testsRun, 3)
        self.assertEqual(len(result.failures), 1)
        self.assertEqual(len(result.errors), 1)
        self.assertEqual(events, ["startup", "cleanup"])
        self.assertEqual(resource_warnings, [])

    def test_a_failing_setup_of_one_test_leaves_the_others_running(self) -> None:
        events: list[str] = []

        class Shared(aiotest.AioHTTPTestCase):
            server_scope = "class"

            async def get_application(self) -> web.Application:
                return make_app(events)

            async def asyncSetUp(self) -> None:
                await super().asyncSetUp()
                if self._testMethodName == "test_1":
                    raise RuntimeError("setup failed on purpose")

            async def test_1(self) -> None:
                pass

            async def test_2(self) -> None:
                async with self.client.get("/") as response:
                    self.assertEqual(response.status, 200)

        result, _ = run_classes(Shared)
        self.assertEqual(len(result.errors), 1)
        self.assertIn("setup failed on purpose", result.errors[0][1])
        self.assertEqual(events, ["startup", "cleanup"])

    def test_a_failing_build_errors_each_test_and_closes_what_was_made(self) -> None:
        events: list[str] = []

        class Broken(aiotest.AioHTTPTestCase):
            server_scope = "class"

            async def get_application(self) -> web.Application:
                return make_app(events)

            async def get_client(
                self, server: aiotest.TestServer
            ) -> aiotest.TestClient[web.Request, web.Application]:
                await server.start_server()
                raise RuntimeError("no client today")

            async def test_1(self) -> None:
                pass

            async def test_2(self) -> None:
                pass

        result, resource_warnings = run_classes(Broken)
        self.assertEqual(result.testsRun, 2)
        self.assertEqual(len(result.errors), 2)
        for _, text in result.errors:
            self.assertIn("no client today", text)
        # Each attempt started the server and closed it again.
        self.assertEqual(events, ["startup", "cleanup"] * 2)
        self.assertEqual(resource_warnings, [])

    def test_a_failing_setUpClass_builds_nothing(self) -> None:
        events: list[str] = []

        class Broken(aiotest.AioHTTPTestCase):
            server_scope = "class"

            @classmethod
            def setUpClass(cls) -> None:
                super().setUpClass()
                raise RuntimeError("class setup failed on purpose")

            async def get_application(self) -> web.Application:
                return make_app(events)

            async def test_1(self) -> None:
                pass

        result, resource_warnings = run_classes(Broken)
        self.assertEqual(len(result.errors), 1)
        self.assertIn("class setup failed on purpose", result.errors[0][1])
        self.assertEqual(events, [])
        self.assertEqual(resource_warnings, [])

    def test_a_skipped_class_builds_nothing(self) -> None:
        events: list[str] = []

        @unittest.skip("on purpose")
        class Skipped(aiotest.AioHTTPTestCase):
            server_scope = "class"

            async def get_application(self) -> web.Application:
                return make_app(events)

            async def test_1(self) -> None:
                pass

        result, _ = run_classes(Skipped)
        self.assertEqual(len(result.skipped), 1)
        self.assertEqual(events, [])

    def test_skipped_tests_do_not_build_the_fixture(self) -> None:
        events: list[str] = []

        class PartlySkipped(aiotest.AioHTTPTestCase):
            server_scope = "class"

            async def get_application(self) -> web.Application:
                return make_app(events)

            @unittest.skip("on purpose")
            async def test_1(self) -> None:
                pass

            async def test_2(self) -> None:
                self.skipTest("on purpose")

        result, resource_warnings = run_classes(PartlySkipped)
        self.assertEqual(len(result.skipped), 2)
        # test_2 skips itself after its setup: the fixture was built, then closed.
        self.assertEqual(events, ["startup", "cleanup"])
        self.assertEqual(resource_warnings, [])


class HygieneTest(unittest.TestCase):
    def test_leak_checks_run_per_test_and_blame_the_leaking_test(self) -> None:
        class Shared(aiotest.AioHTTPTestCase):
            server_scope = "class"
            check_leaks = True

            async def get_application(self) -> web.Application:
                return make_app([])

            async def test_1_clean(self) -> None:
                async with self.client.get("/") as response:
                    self.assertEqual(response.status, 200)
                async with self.client.ws_connect("/ws") as websocket:
                    await websocket.send_str("ping")
                    self.assertEqual((await websocket.receive()).data, "ping")

            async def test_2_leaks_a_task(self) -> None:
                self.task = asyncio.get_running_loop().create_task(asyncio.sleep(10))

            async def test_3_clean(self) -> None:
                async with self.client.get("/") as response:
                    self.assertEqual(response.status, 200)

        result, _ = run_classes(Shared)
        self.assertEqual(result.testsRun, 3)
        failed = [test.id().rsplit(".", 1)[1] for test, _ in result.failures + result.errors]
        self.assertEqual(failed, ["test_2_leaks_a_task"], problems(result))

    def test_a_timeout_fails_one_test_and_the_next_uses_the_same_server(self) -> None:
        ports: list[int | None] = []

        class Shared(aiotest.AioHTTPTestCase):
            server_scope = "class"
            timeout = 0.2

            async def get_application(self) -> web.Application:
                return make_app([])

            async def test_1_hangs(self) -> None:
                ports.append(self.client.port)
                await asyncio.sleep(10)

            async def test_2_passes(self) -> None:
                ports.append(self.client.port)
                async with self.client.get("/") as response:
                    self.assertEqual(response.status, 200)

        result, _ = run_classes(Shared)
        failed = [test.id().rsplit(".", 1)[1] for test, _ in result.failures + result.errors]
        self.assertEqual(failed, ["test_1_hangs"])
        self.assertEqual(len(set(ports)), 1)


class ValidationTest(unittest.TestCase):
    def test_an_unknown_scope_is_refused_naming_the_allowed_ones(self) -> None:
        with self.assertRaises(ValueError) as caught:

            class Wrong(aiotest.AioHTTPTestCase):
                server_scope = "module"

        message = str(caught.exception)
        self.assertEqual(
            message,
            BAD_SERVER_SCOPE.format(class_name="Wrong", value="module", allowed="'test', 'class'"),
        )

    def test_a_scope_changed_after_the_class_exists_is_checked_when_it_runs(self) -> None:
        class Later(aiotest.AioHTTPTestCase):
            async def get_application(self) -> web.Application:
                return make_app([])

            async def test_1(self) -> None:
                pass

        Later.server_scope = "session"
        result, _ = run_classes(Later)
        self.assertEqual(result.testsRun, 0)
        self.assertEqual(len(result.errors), 1)
        self.assertIn("'session' is not a scope aiotest knows", result.errors[0][1])


PYTEST_MODULE = """
import pathlib
from aiohttp import web
import aiotest

LOG = pathlib.Path(__file__).with_name("events.log")


async def hello(request):
    return web.Response(text="hello")


async def cleaned(app):
    with LOG.open("a") as log:
        log.write("cleanup\\n")


class TestShared(aiotest.AioHTTPTestCase):
    server_scope = "class"

    async def get_application(self):
        with LOG.open("a") as log:
            log.write("build\\n")
        app = web.Application()
        app.router.add_get("/", hello)
        app.on_cleanup.append(cleaned)
        return app

    async def test_1(self):
        async with self.client.get("/") as response:
            assert response.status == 200

    async def test_2(self):
        async with self.client.get("/") as response:
            assert response.status == 200
"""


class PytestTest(unittest.TestCase):
    def test_pytest_builds_the_fixture_once_and_closes_it(self) -> None:
        try:
            import pytest  # noqa: F401
        except ImportError:  # pragma: no cover - pytest is a test dependency
            self.skipTest("pytest is not installed")
        with tempfile.TemporaryDirectory() as directory:
            path = pathlib.Path(directory)
            (path / "test_shared.py").write_text(textwrap.dedent(PYTEST_MODULE))
            (path / "pytest.ini").write_text("[pytest]\n")
            env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
            done = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "."],
                cwd=path,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
            self.assertIn("2 passed", done.stdout)
            self.assertEqual((path / "events.log").read_text().split(), ["build", "cleanup"])

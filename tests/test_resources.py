"""Many tests in one process leave no file descriptors, threads or warnings behind.

The benchmark (``benchmarks/run.py --mode resources``) runs 5,000 tests and reports memory
too; this is the quick version that guards every test run.
"""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import threading
import unittest
import weakref
from typing import Any

from aiohttp import web

import aiotest

from ._support import echo_websocket, run_classes

FD_DIRECTORY = "/proc/self/fd"
TESTS_PER_CLASS = 60


def open_fds() -> int:
    return len(os.listdir(FD_DIRECTORY))


async def hello(request: web.Request) -> web.Response:
    return web.Response(text="hello")


def make_case(scope: str, leak: list[socket.socket] | None = None) -> type[unittest.TestCase]:
    """A class of TESTS_PER_CLASS tests: requests, websockets, and responses left open."""

    async def get_application(self: aiotest.AioHTTPTestCase) -> web.Application:
        app = web.Application()
        app.router.add_get("/", hello)
        app.router.add_get("/ws", echo_websocket)
        return app

    async def request(self: aiotest.AioHTTPTestCase) -> None:
        async with self.client.get("/") as response:
            self.assertEqual(await response.text(), "hello")

    async def websocket(self: aiotest.AioHTTPTestCase) -> None:
        async with self.client.ws_connect("/ws") as ws:
            await ws.send_str("ping")
            self.assertEqual((await ws.receive()).data, "ping")

    async def left_open(self: aiotest.AioHTTPTestCase) -> None:
        response = await self.client.get("/")  # never read nor closed: the client closes it
        self.assertEqual(response.status, 200)
        if leak is not None:
            leak.append(socket.socket())

    namespace: dict[str, Any] = {"server_scope": scope, "get_application": get_application}
    bodies = (request, websocket, left_open)
    for n in range(TESTS_PER_CLASS):
        namespace[f"test_{n:03d}"] = bodies[n % len(bodies)]
    return type(f"Many{scope.title()}", (aiotest.AioHTTPTestCase,), namespace)


@unittest.skipUnless(os.path.isdir(FD_DIRECTORY), f"counting open files needs {FD_DIRECTORY}")
class ResourcesTest(unittest.TestCase):
    def test_fds_and_threads_end_where_they_started(self) -> None:
        cases = (make_case("test"), make_case("class"))
        run_classes(*cases)  # the first run warms caches that live for the process
        fds, threads = open_fds(), threading.active_count()
        result, resource_warnings = run_classes(*cases)
        self.assertEqual(result.testsRun, 2 * TESTS_PER_CLASS)
        self.assertTrue(result.wasSuccessful(), result.errors + result.failures)
        self.assertEqual(open_fds(), fds)
        self.assertEqual(threading.active_count(), threads)
        self.assertEqual(resource_warnings, [])

    def test_a_leaking_test_shows_in_the_count(self) -> None:
        # The other side: the count does see what a test leaves open.
        leaked: list[socket.socket] = []
        case = make_case("test", leak=leaked)
        run_classes(case)
        for sock in leaked:
            sock.close()
        leaked.clear()
        fds = open_fds()
        try:
            run_classes(case)
            self.assertEqual(open_fds(), fds + len(leaked))
            self.assertGreater(len(leaked), 0)
        finally:
            for sock in leaked:
                sock.close()


class FreedWithoutCycleCollectorTest(unittest.TestCase):
    """A finished test's case, fixture, client and loop go when the runner drops the case.

    Nothing of aiotest's keeps them in a reference cycle, which would leave each test's
    objects to the cycle collector: more collections, each scanning more, as a suite grows.
    """

    def test_case_client_and_loop_are_freed_by_reference_counting(self) -> None:
        seen: dict[str, weakref.ref[Any]] = {}

        class Case(aiotest.AioHTTPTestCase):
            async def get_application(self) -> web.Application:
                app = web.Application()
                app.router.add_get("/", hello)
                return app

            async def test_request(self) -> None:
                async with self.client.get("/") as response:
                    self.assertEqual(response.status, 200)
                seen.update(
                    case=weakref.ref(self),
                    client=weakref.ref(self.client),
                    session=weakref.ref(self.client.session),
                    loop=weakref.ref(self.loop),
                )

        gc.collect()
        gc.disable()
        try:
            case = Case("test_request")
            result = unittest.TestResult()
            case.run(result)
            self.assertTrue(result.wasSuccessful(), result.errors + result.failures)
            del case, result
            # The loop is aiohttp's and asyncio's business (the app's router holds
            # cycles of its own); the case, its client and session are aiotest's.
            alive = [name for name in ("case", "client", "session") if seen[name]() is not None]
        finally:
            gc.enable()
        self.assertEqual(alive, [])


class CheckedTestsFreezeNothingOfTheirOwnTest(unittest.TestCase):
    """With check_leaks, a test's own loop and guards are made after the heap is frozen.

    Otherwise everything of the test that the loop reaches (guards, leak records, app,
    client) stays frozen, out of the collector's reach, until the periodic full collection.
    """

    def test_the_frozen_generation_does_not_grow_with_each_test(self) -> None:
        class Case(aiotest.AioHTTPTestCase):
            strict = True
            # uvloop's loop keeps cycles the collector cannot see (AIOTEST_LOOP=uvloop):
            # what this pins is the engine's order, on asyncio's loop.
            loop_factory = asyncio.new_event_loop

            async def get_application(self) -> web.Application:
                app = web.Application()
                app.router.add_get("/", hello)
                return app

            async def test_request(self) -> None:
                async with self.client.get("/") as response:
                    self.assertEqual(response.status, 200)

        result = unittest.TestResult()
        Case("test_request").run(result)  # the first one freezes what was there before
        frozen_before = gc.get_freeze_count()
        tests = 30
        for _ in range(tests):
            Case("test_request").run(result)
        self.assertTrue(result.wasSuccessful(), result.errors + result.failures)
        # About one object a test stays frozen; it was some 120 when the loop was frozen.
        self.assertLess((gc.get_freeze_count() - frozen_before) / tests, 10)

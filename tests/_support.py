"""Helpers shared by several test modules: small apps, running inner test cases, results."""

from __future__ import annotations

import asyncio
import gc
import types
import unittest
import warnings

from aiohttp import web


async def hello(request: web.BaseRequest) -> web.Response:
    return web.Response(text="Hello, world")


def make_app() -> web.Application:
    """An app answering "Hello, world" on ``/``."""
    app = web.Application()
    app.router.add_get("/", hello)
    return app


async def echo_websocket(request: web.Request) -> web.WebSocketResponse:
    """Send every websocket message back as it came."""
    websocket = web.WebSocketResponse()
    await websocket.prepare(request)
    async for message in websocket:
        await websocket.send_str(message.data)
    return websocket


async def sleep_until_cancelled(cancelled: list[bool]) -> None:
    """Sleep for an hour; when cancelled, note it in ``cancelled`` and let the cancel through."""
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        cancelled.append(True)
        raise


async def assert_refused(test: unittest.TestCase, host: str, port: int) -> None:
    """Fail unless nothing listens on (host, port) any more."""
    with test.assertRaises(ConnectionRefusedError):
        _, writer = await asyncio.open_connection(host, port)
        writer.close()
        await writer.wait_closed()


def run_case(case: type[unittest.TestCase], *names: str) -> unittest.TestResult:
    """Run the named tests of ``case`` (all of them by default) and return the result."""
    result = unittest.TestResult()
    if names:
        suite = unittest.TestSuite(case(name) for name in names)
    else:
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
    suite.run(result)
    return result


def run_classes(
    *case_classes: type[unittest.TestCase],
) -> tuple[unittest.TestResult, list[str]]:
    """Run every test of each class as unittest would; return the result and ResourceWarnings.

    Garbage is collected before the warnings are read, so what leaked is found.
    """
    result = unittest.TestResult()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        for case_class in case_classes:
            unittest.defaultTestLoader.loadTestsFromTestCase(case_class).run(result)
        gc.collect()
    return result, [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]


def run_source(source: str, filename: str, module_name: str) -> tuple[int, unittest.TestResult]:
    """Execute ``source`` as a new module and run its tests; return their count and result."""
    module = types.ModuleType(module_name)
    exec(compile(source, filename, "exec"), module.__dict__)
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    count = suite.countTestCases()
    result = unittest.TestResult()
    suite.run(result)
    return count, result


def problems(result: unittest.TestResult) -> list[str]:
    """The report texts of every failure and error, in order."""
    return [text for _, text in result.failures + result.errors]


class ResultAssertions(unittest.TestCase):
    """Assertions on the result of an inner test run."""

    def assertPassed(self, result: unittest.TestResult, count: int = 1) -> None:
        self.assertEqual(problems(result), [])
        self.assertEqual(result.testsRun, count)

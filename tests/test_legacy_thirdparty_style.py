"""Legacy decorators used the way public aio.testing suites used them.

Each test follows a pattern seen in suites written for aio.testing (the aio.* packages
and their users): decorated ``setUpClass`` and ``setUp``, helpers decorated like tests,
functions decorated by a call with options, a README run as doctests, tests that stop
the loop themselves.
"""

# Legacy generator tests "yield from" coroutines, which mypy accepts only in generators
# decorated with types.coroutine: exactly what these tests show to be unnecessary.
# mypy: disable-error-code="misc"

from __future__ import annotations

import asyncio
import doctest
import unittest
from collections.abc import Callable, Generator
from typing import Any

import aiotest


def _run(case: unittest.TestCase) -> unittest.TestResult:
    result = unittest.TestResult()
    case.run(result)
    return result


def _problems(result: unittest.TestResult) -> list[str]:
    return [text for _, text in result.errors + result.failures]


async def _sleep_and_return(value: Any) -> Any:
    await asyncio.sleep(0)
    return value


class DecoratedSetUpInAsyncCasesTest(unittest.TestCase):
    """A decorated setUp/tearDown of an async case runs; before, its body was skipped."""

    def test_set_up_and_tear_down_run_on_the_case_loop(self) -> None:
        for base in (unittest.IsolatedAsyncioTestCase, aiotest.AsyncTestCase):
            with self.subTest(base=base.__name__):
                self.check_set_up_and_tear_down(base)

    def check_set_up_and_tear_down(self, base: type[unittest.IsolatedAsyncioTestCase]) -> None:
        calls: list[tuple[str, Any]] = []

        class Case(base):  # type: ignore[valid-type]
            @aiotest.run_until_complete
            def setUp(self) -> Generator[Any, None, None]:
                self.value = yield from _sleep_and_return(5)
                calls.append(("setUp", asyncio.get_event_loop()))

            async def test_it(self) -> None:
                calls.append(("test", asyncio.get_running_loop()))
                self.assertEqual(self.value, 5)

            @aiotest.run_until_complete
            def tearDown(self) -> Generator[Any, None, None]:
                yield from asyncio.sleep(0)
                calls.append(("tearDown", asyncio.get_event_loop()))

        result = _run(Case("test_it"))
        self.assertEqual(_problems(result), [])
        self.assertEqual([name for name, _ in calls], ["setUp", "test", "tearDown"])
        loops = {loop for _, loop in calls}
        self.assertEqual(len(loops), 1, "setUp, test and tearDown share the case loop")

    def test_a_failing_decorated_set_up_is_reported(self) -> None:
        class Case(aiotest.AsyncTestCase):
            @aiotest.run_until_complete
            def setUp(self) -> Generator[Any, None, None]:
                yield from asyncio.sleep(0)
                raise RuntimeError("setUp broke")

            async def test_it(self) -> None:
                pass

        result = _run(Case("test_it"))
        self.assertEqual(len(result.errors), 1)
        self.assertIn("setUp broke", result.errors[0][1])

    def test_decorated_set_up_of_an_aiohttp_case_before_its_fixture(self) -> None:
        from aiohttp import web

        class Case(aiotest.AioHTTPTestCase):
            async def get_application(self) -> web.Application:
                return web.Application()

            @aiotest.run_until_complete
            def setUp(self) -> Generator[Any, None, None]:
                self.value = yield from _sleep_and_return("ready")

            async def test_client(self) -> None:
                self.assertEqual(self.value, "ready")
                response = await self.client.get("/")
                self.assertEqual(response.status, 404)

        self.assertEqual(_problems(_run(Case("test_client"))), [])


class DecoratedHelpersInAsyncCasesTest(unittest.TestCase):
    """A decorated helper is awaited by an async test and runs at once in a sync one."""

    def test_helper_awaited_by_an_async_test_and_called_by_a_sync_one(self) -> None:
        calls: list[str] = []

        class Case(aiotest.AsyncTestCase):
            @aiotest.run_until_complete
            def helper(self, name: str) -> Generator[Any, None, None]:
                yield from asyncio.sleep(0)
                calls.append(name)

            async def test_async(self) -> None:
                await self.helper("async")

            def test_sync(self) -> None:
                self.helper("sync")

        for name in ("test_async", "test_sync"):
            self.assertEqual(_problems(_run(Case(name))), [])
        self.assertEqual(calls, ["async", "sync"])

    def test_the_test_method_set_on_the_class_later_still_runs_as_a_test(self) -> None:
        ran: list[bool] = []

        class Case(aiotest.AsyncTestCase):
            pass

        def test_late(self: Any) -> Generator[Any, None, None]:
            yield from asyncio.sleep(0)
            ran.append(True)

        Case.test_late = aiotest.run_until_complete(test_late)  # type: ignore[attr-defined]
        self.assertEqual(_problems(_run(Case("test_late"))), [])
        self.assertEqual(ran, [True])


class AioTestingIdiomsTest(unittest.TestCase):
    """Other things aio.testing suites did with the decorators."""

    def test_decorated_set_up_class_of_a_plain_case(self) -> None:
        class Case(unittest.TestCase):
            token: str | None = None

            @classmethod
            @aiotest.run_until_complete
            def setUpClass(cls) -> Generator[Any, None, None]:
                cls.token = yield from _sleep_and_return("token")

            def test_token(self) -> None:
                self.assertEqual(self.token, "token")

        suite = unittest.TestSuite([Case("test_token")])
        result = unittest.TestResult()
        suite.run(result)
        self.assertEqual(_problems(result), [])
        self.assertEqual(result.testsRun, 1)

    def test_decorating_by_a_call_with_the_function_and_options(self) -> None:
        calls: list[str] = []

        def run_app() -> Generator[Any, None, Callable[[], None]]:
            yield from asyncio.sleep(0)
            return lambda: calls.append("callback")

        aiotest.run_forever(run_app, timeout=0.01, sleep=0.01)()
        aiotest.run_until_complete(run_app, loop=None)()
        self.assertEqual(calls, ["callback"])

    def test_a_test_that_stops_the_loop_as_it_returns_passes(self) -> None:
        @aiotest.run_until_complete
        def stops_and_returns() -> None:
            asyncio.get_event_loop().stop()

        stops_and_returns()

    def test_a_test_that_stops_the_loop_and_goes_on_fails(self) -> None:
        @aiotest.run_until_complete
        def stops_and_waits() -> Generator[Any, None, None]:
            asyncio.get_event_loop().stop()
            yield from asyncio.sleep(0.01)

        with self.assertRaises(AssertionError):
            stops_and_waits()

    def test_a_readme_run_as_doctests(self) -> None:
        readme = """
        >>> import asyncio, aiotest
        >>> loop_before_test = asyncio.get_event_loop()
        >>> @aiotest.run_until_complete
        ... def run_test(parent_loop):
        ...     yield from asyncio.sleep(0)
        ...     print(asyncio.get_event_loop() is parent_loop)
        >>> run_test(loop_before_test)
        False
        >>> asyncio.get_event_loop() is loop_before_test
        True
        >>> @aiotest.run_forever(timeout=0.01)
        ... def run_future_test():
        ...     test_loop = asyncio.get_event_loop()
        ...     def test_callback():
        ...         yield from asyncio.sleep(0)
        ...         print(asyncio.get_event_loop() is test_loop)
        ...     return test_callback
        >>> run_future_test()
        True
        >>> @aiotest.run_forever(timeout=0)
        ... def run_failing_test():
        ...     def test_callback():
        ...         assert True == False
        ...     return test_callback
        >>> try:
        ...     run_failing_test()
        ... except AssertionError as e:
        ...     print(repr(e))
        AssertionError()
        """
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            test = doctest.DocTestParser().get_doctest(
                readme, {"__name__": "__main__"}, "readme", None, 0
            )
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
            runner.run(test, out=lambda text: None)
            self.assertEqual(runner.summarize(verbose=False).failed, 0)
        finally:
            asyncio.set_event_loop(None)
            loop.close()

"""Virtual-time loops: the factory, the refusal of uncontrollable loops, runners, the setting."""

from __future__ import annotations

import asyncio
import os
import sys
import time
import unittest
from typing import Any
from unittest import mock

import uvloop
from aiohttp import web

import aiotest
from aiotest._clock import loop_monotonic
from aiotest._settings import ENV_VIRTUAL_TIME, resolve_settings

from ._clock_helpers import INSTANT, close_loop, run_virtual


class CustomSelectorLoop(asyncio.SelectorEventLoop):
    marker = "custom"


class FactoryTest(unittest.TestCase):
    def test_uvloop_is_refused_with_an_error_naming_the_setting(self) -> None:
        for factory, name in (
            (uvloop.new_event_loop, "uvloop.new_event_loop"),
            (uvloop.Loop, "uvloop.Loop"),
        ):
            with self.subTest(factory=factory), self.assertRaises(TypeError) as caught:
                aiotest.virtual_loop_factory(factory)
            message = str(caught.exception)
            self.assertTrue(message.startswith("virtual_time cannot control the clock"), message)
            self.assertIn(f"loops made by {name}:", message)
            self.assertIn("turn virtual_time off", message)

    def test_a_selector_loop_subclass_keeps_its_class(self) -> None:
        loop = aiotest.virtual_loop_factory(CustomSelectorLoop)()
        try:
            self.assertIsInstance(loop, CustomSelectorLoop)
            self.assertEqual(getattr(loop, "marker", None), "custom")
            # One factory, so one loop class, per base class.
            self.assertIs(
                aiotest.virtual_loop_factory(CustomSelectorLoop),
                aiotest.virtual_loop_factory(CustomSelectorLoop),
            )
        finally:
            close_loop(loop)

        async def main() -> float:
            start = asyncio.get_running_loop().time()
            await asyncio.sleep(90)
            return asyncio.get_running_loop().time() - start

        self.assertEqual(run_virtual(main, aiotest.virtual_loop_factory(CustomSelectorLoop)), 90)

    def test_the_default_loop_factories_are_accepted(self) -> None:
        for base in (None, asyncio.new_event_loop, asyncio.SelectorEventLoop):
            with self.subTest(base=base):
                loop = aiotest.virtual_loop_factory(base)()
                try:
                    self.assertIsInstance(aiotest.clock_of(loop), aiotest.Clock)
                finally:
                    close_loop(loop)

    def test_each_loop_has_its_own_clock(self) -> None:
        factory = aiotest.virtual_loop_factory()
        first, second = factory(), factory()
        try:
            self.assertIsNot(aiotest.clock_of(first), aiotest.clock_of(second))
        finally:
            close_loop(first)
            close_loop(second)

    def test_clock_of_a_real_loop_says_how_to_get_one(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            with self.assertRaises(TypeError) as caught:
                aiotest.clock_of(loop)
            self.assertIn("turn the virtual_time setting on", str(caught.exception))
        finally:
            loop.close()

    def test_clock_of_defaults_to_the_running_loop(self) -> None:
        async def main() -> bool:
            clock = aiotest.clock_of()
            return clock is aiotest.clock_of(asyncio.get_running_loop())

        self.assertTrue(run_virtual(main))

    def test_a_class_attribute_holding_the_factory_is_not_bound(self) -> None:
        class Holder:
            loop_factory: Any = aiotest.virtual_loop_factory()

        loop = Holder().loop_factory()
        try:
            self.assertIsInstance(aiotest.clock_of(loop), aiotest.Clock)
        finally:
            close_loop(loop)

    def test_loop_monotonic_follows_the_loop_on_virtual_time_only(self) -> None:
        async def virtual() -> float:
            loop = asyncio.get_running_loop()
            await asyncio.sleep(1000)
            return loop_monotonic(loop) - loop.time()

        self.assertEqual(run_virtual(virtual), 0)
        real = asyncio.new_event_loop()
        try:
            before = time.monotonic()
            self.assertGreaterEqual(loop_monotonic(real), before)
            self.assertLess(loop_monotonic(real), before + INSTANT)
        finally:
            real.close()


@unittest.skipUnless(sys.version_info >= (3, 11), "asyncio.Runner is new in Python 3.11")
class RunnerTest(unittest.TestCase):
    def test_asyncio_runner_with_the_factory(self) -> None:
        if sys.version_info < (3, 11):  # for type checkers; the class is skipped there
            self.skipTest("asyncio.Runner is new in Python 3.11")

        async def main() -> float:
            start = asyncio.get_running_loop().time()
            await asyncio.sleep(3600)
            return asyncio.get_running_loop().time() - start

        with asyncio.Runner(loop_factory=aiotest.virtual_loop_factory()) as runner:
            self.assertEqual(runner.run(main()), 3600)


@unittest.skipUnless(
    sys.version_info >= (3, 13), "IsolatedAsyncioTestCase.loop_factory is new in Python 3.13"
)
class IsolatedCaseTest(unittest.TestCase):
    def test_isolated_asyncio_test_case_runs_on_virtual_time(self) -> None:
        seen: list[float] = []

        class Case(unittest.IsolatedAsyncioTestCase):
            loop_factory = aiotest.virtual_loop_factory()

            async def asyncSetUp(self) -> None:
                self.start = asyncio.get_running_loop().time()
                await asyncio.sleep(10)

            async def test_it(self) -> None:
                await asyncio.sleep(3600)
                seen.append(asyncio.get_running_loop().time() - self.start)

        result = unittest.TestResult()
        started = time.monotonic()
        Case("test_it").run(result)
        self.assertEqual((result.errors, result.failures), ([], []))
        self.assertEqual(seen, [3610])
        self.assertLess(time.monotonic() - started, INSTANT)


class SettingTest(unittest.TestCase):
    def _settings(self, case: type, **environ: str) -> Any:
        method = getattr(case, "test_it")  # noqa: B009  # each case defines it
        return resolve_settings(case, method, aiotest.AsyncTestCase, environ)

    def test_off_by_default_and_on_by_decorator_attribute_or_environment(self) -> None:
        class Plain(aiotest.AsyncTestCase):
            async def test_it(self) -> None:
                pass

        class Attribute(aiotest.AsyncTestCase):
            virtual_time = True

            async def test_it(self) -> None:
                pass

        class Decorated(aiotest.AsyncTestCase):
            @aiotest.virtual_time
            async def test_it(self) -> None:
                pass

        self.assertFalse(self._settings(Plain).virtual_time)
        self.assertTrue(self._settings(Plain, **{ENV_VIRTUAL_TIME: "1"}).virtual_time)
        self.assertFalse(self._settings(Plain, **{ENV_VIRTUAL_TIME: "off"}).virtual_time)
        self.assertTrue(self._settings(Attribute).virtual_time)
        self.assertTrue(self._settings(Decorated).virtual_time)
        self.assertTrue(self._settings(aiotest.virtual_time(Plain)).virtual_time)

    def test_a_bad_environment_value_is_named(self) -> None:
        class Plain(aiotest.AsyncTestCase):
            async def test_it(self) -> None:
                pass

        with self.assertRaises(ValueError) as caught:
            self._settings(Plain, **{ENV_VIRTUAL_TIME: "sometimes"})
        self.assertIn(f"{ENV_VIRTUAL_TIME}='sometimes' is not a switch", str(caught.exception))

    def test_settings_asking_for_the_same_loop_compare_equal(self) -> None:
        class Plain(aiotest.AsyncTestCase):
            virtual_time = True

            async def test_it(self) -> None:
                pass

        self.assertEqual(self._settings(Plain), self._settings(Plain))
        self.assertIs(
            aiotest.virtual_loop_factory(aiotest.virtual_loop_factory()),
            aiotest.virtual_loop_factory(),
        )

    def test_the_decorator_takes_nothing_or_a_bool(self) -> None:
        with self.assertRaises(TypeError) as caught:
            aiotest.virtual_time()  # type: ignore[call-overload]
        self.assertIn("@aiotest.virtual_time takes nothing, True or False", str(caught.exception))


def run_cases(*tests: unittest.TestCase) -> unittest.TestResult:
    result = unittest.TestResult()
    unittest.TestSuite(tests).run(result)
    return result


class SettingAppliedTest(unittest.TestCase):
    def test_the_attribute_and_the_decorator_put_the_test_on_virtual_time(self) -> None:
        elapsed: list[float] = []

        class Case(aiotest.AsyncTestCase):
            loop_factory = asyncio.new_event_loop  # not AIOTEST_LOOP's, which may be uvloop

            async def _hour(self) -> None:
                start = self.loop.time()
                await asyncio.sleep(3600)
                elapsed.append(self.loop.time() - start)
                self.assertIsInstance(aiotest.clock_of(), aiotest.Clock)

            @aiotest.virtual_time
            async def test_decorated(self) -> None:
                await self._hour()

        class Attribute(Case):
            virtual_time = True

            async def test_attribute(self) -> None:
                await self._hour()

        started = time.monotonic()
        result = run_cases(Case("test_decorated"), Attribute("test_attribute"))
        self.assertEqual((result.errors, result.failures), ([], []))
        self.assertEqual(elapsed, [3600, 3600])
        self.assertLess(time.monotonic() - started, INSTANT)

    def test_without_the_setting_the_loop_is_real(self) -> None:
        class Case(aiotest.AsyncTestCase):
            async def test_real(self) -> None:
                with self.assertRaises(TypeError):
                    aiotest.clock_of()

        # Whatever the run's environment says: this is about the default.
        with mock.patch.dict(os.environ, {ENV_VIRTUAL_TIME: ""}):
            result = run_cases(Case("test_real"))
        self.assertEqual((result.errors, result.failures), ([], []))

    def test_uvloop_with_the_setting_fails_that_test_only(self) -> None:
        class OnUvloop(aiotest.AsyncTestCase):
            loop_factory = uvloop.new_event_loop
            virtual_time = True

            async def test_it(self) -> None:
                pass

        class Fine(aiotest.AsyncTestCase):
            virtual_time = True
            loop_factory = asyncio.new_event_loop  # not AIOTEST_LOOP's, which may be uvloop

            async def test_it(self) -> None:
                pass

        result = run_cases(OnUvloop("test_it"), Fine("test_it"))
        self.assertEqual(result.testsRun, 2)
        [(test, report)] = result.errors
        self.assertIsInstance(test, OnUvloop)
        self.assertIn("virtual_time cannot control the clock of loops made by uvloop", report)
        self.assertEqual(result.failures, [])

    def test_a_class_scoped_fixture_and_its_tests_share_one_virtual_clock(self) -> None:
        times: list[float] = []

        async def hello(request: web.Request) -> web.Response:
            return web.Response(text="hi")

        class Shared(aiotest.AioHTTPTestCase):
            loop_factory = asyncio.new_event_loop  # not AIOTEST_LOOP's, which may be uvloop
            server_scope = "class"
            virtual_time = True

            async def get_application(self) -> web.Application:
                await asyncio.sleep(600)  # a slow class-scoped fixture
                times.append(asyncio.get_running_loop().time())
                app = web.Application()
                app.router.add_get("/", hello)
                return app

            async def test_1(self) -> None:
                await asyncio.sleep(60)
                self.assertEqual(await (await self.client.get("/")).text(), "hi")
                times.append(self.loop.time())

            async def test_2(self) -> None:
                await asyncio.sleep(30)
                times.append(self.loop.time())

        started = time.monotonic()
        result = run_cases(Shared("test_1"), Shared("test_2"))
        self.assertEqual((result.errors, result.failures), ([], []))
        self.assertEqual(len(times), 3)
        self.assertGreaterEqual(times[1] - times[0], 60)
        self.assertGreaterEqual(times[2] - times[1], 30)
        self.assertLess(times[2] - times[0], 90 + INSTANT)
        self.assertLess(time.monotonic() - started, INSTANT)

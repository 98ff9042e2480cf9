"""Settings: same-named decorators, resolution order, and the loop settings applied to the loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
import unittest
from typing import Any
from unittest import mock

import uvloop

import aiotest
from aiotest._settings import SETTINGS_ATTRIBUTE, Settings, resolve_settings

from ._hygiene_helpers import HygieneTestCase, run_case

BARE = (
    "loop_debug",
    "catch_loop_exceptions",
    "forbid_get_event_loop",
    "check_leaks",
    "raise_server_exceptions",
    "strict",
)
CLEAN_ENV = {
    "AIOTEST_LOOP": "",
    "PYTHONASYNCIODEBUG": "",
    "AIOTEST_TIMEOUT": "",
    "AIOTEST_STRICT": "",
}


def settings_of(case: type[unittest.TestCase], name: str, **environ: str) -> Settings:
    return resolve_settings(case, getattr(case, name), aiotest.AsyncTestCase, environ)


class DecoratorTest(unittest.TestCase):
    def test_bare_decorators_switch_their_setting_on_for_a_method(self) -> None:
        for name in BARE:
            with self.subTest(decorator=name):

                async def test_it(self: Any) -> None:
                    pass

                decorated = getattr(aiotest, name)(test_it)
                self.assertIs(decorated, test_it)
                case = type("Case", (aiotest.AsyncTestCase,), {"test_it": test_it})
                self.assertIs(getattr(settings_of(case, "test_it"), name), True)

    def test_bare_decorators_on_a_class(self) -> None:
        for name in BARE:
            with self.subTest(decorator=name):

                async def test_it(self: Any) -> None:
                    pass

                case = type("Case", (aiotest.AsyncTestCase,), {"test_it": test_it})
                self.assertIs(getattr(aiotest, name)(case), case)
                self.assertIs(getattr(settings_of(case, "test_it"), name), True)

    def test_bare_decorators_called_with_arguments_say_how_to_use_them(self) -> None:
        for name in BARE:
            decorator = getattr(aiotest, name)
            for call in ((), (True,), (False,)):
                with self.subTest(decorator=name, arguments=call):
                    with self.assertRaises(TypeError) as caught:
                        decorator(*call)
                    self.assertEqual(
                        str(caught.exception),
                        f"@aiotest.{name} takes no arguments: write @aiotest.{name} above the "
                        f"test method or class, not @aiotest.{name}(...)",
                    )
            with self.subTest(decorator=name, keyword=True), self.assertRaises(TypeError):
                decorator(lambda: None, enabled=True)

    def test_timeout_takes_a_positive_number_of_seconds(self) -> None:
        for bad in (0, -1, float("nan"), float("inf")):
            with self.subTest(value=bad), self.assertRaises(ValueError) as caught:
                aiotest.timeout(bad)
            self.assertIn("takes a number of seconds greater than 0", str(caught.exception))
        for bad_type in ("5", True, [5]):
            with self.subTest(value=bad_type), self.assertRaises(TypeError):
                aiotest.timeout(bad_type)  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            aiotest.timeout(lambda: None)  # type: ignore[arg-type]  # used bare by mistake

    def test_slow_callback_duration_takes_seconds_zero_or_more(self) -> None:
        aiotest.slow_callback_duration(0)
        with self.assertRaises(ValueError) as caught:
            aiotest.slow_callback_duration(-0.1)
        self.assertIn("a number of seconds, 0 or more", str(caught.exception))

    def test_factories_must_be_callable(self) -> None:
        for name in ("loop_factory", "executor_factory"):
            with self.subTest(decorator=name), self.assertRaises(TypeError) as caught:
                getattr(aiotest, name)("uvloop")
            self.assertIn(f"@aiotest.{name}() takes a callable", str(caught.exception))

    def test_valued_decorator_rejects_a_non_test_target(self) -> None:
        with self.assertRaises(TypeError) as caught:
            aiotest.timeout(1)(42)
        self.assertIn(
            "decorates a test method or a test case class, not int", str(caught.exception)
        )

    def test_valued_decorators_set_their_value(self) -> None:
        executor = concurrent.futures.ThreadPoolExecutor

        class Case(aiotest.AsyncTestCase):
            @aiotest.timeout(2)
            @aiotest.loop_factory(uvloop.new_event_loop)
            @aiotest.executor_factory(executor)
            @aiotest.slow_callback_duration(0.5)
            async def test_it(self) -> None:
                pass

        settings = settings_of(Case, "test_it")
        self.assertEqual(settings.timeout, 2.0)
        self.assertIs(settings.loop_factory, uvloop.new_event_loop)
        self.assertIs(settings.executor_factory, executor)
        self.assertEqual(settings.slow_callback_duration, 0.5)


class ResolutionOrderTest(unittest.TestCase):
    def test_environment_then_attribute_then_class_decorator_then_method_decorator(self) -> None:
        class FromEnvironment(aiotest.AsyncTestCase):
            async def test_it(self) -> None:
                pass

        class FromAttribute(FromEnvironment):
            timeout = 2.0

        @aiotest.timeout(3)
        class FromClassDecorator(FromAttribute):
            pass

        class FromMethodDecorator(FromClassDecorator):
            @aiotest.timeout(4)
            async def test_it(self) -> None:
                pass

        env = {"AIOTEST_TIMEOUT": "1"}
        self.assertEqual(settings_of(FromEnvironment, "test_it", **env).timeout, 1.0)
        self.assertEqual(settings_of(FromAttribute, "test_it", **env).timeout, 2.0)
        self.assertEqual(settings_of(FromClassDecorator, "test_it", **env).timeout, 3.0)
        self.assertEqual(settings_of(FromMethodDecorator, "test_it", **env).timeout, 4.0)

    def test_a_class_decorator_does_not_leak_to_the_base_class(self) -> None:
        class Base(aiotest.AsyncTestCase):
            async def test_it(self) -> None:
                pass

        @aiotest.check_leaks
        class Child(Base):
            pass

        self.assertTrue(settings_of(Child, "test_it").check_leaks)
        self.assertFalse(settings_of(Base, "test_it").check_leaks)
        self.assertNotIn(SETTINGS_ATTRIBUTE, vars(Base))

    def test_strict_turns_on_the_three_checks(self) -> None:
        class Case(aiotest.AsyncTestCase):
            @aiotest.strict
            async def test_it(self) -> None:
                pass

            async def test_other(self) -> None:
                pass

        settings = settings_of(Case, "test_it")
        self.assertEqual(
            (
                settings.catch_loop_exceptions,
                settings.check_leaks,
                settings.raise_server_exceptions,
            ),
            (True, True, True),
        )
        self.assertFalse(settings.forbid_get_event_loop)
        self.assertFalse(settings_of(Case, "test_other").check_leaks)
        self.assertTrue(settings_of(Case, "test_other", AIOTEST_STRICT="1").check_leaks)

    def test_everything_is_off_by_default(self) -> None:
        class Case(aiotest.AsyncTestCase):
            async def test_it(self) -> None:
                pass

        self.assertEqual(settings_of(Case, "test_it"), Settings())


class StrictFromEnvironmentTest(HygieneTestCase):
    def test_aiotest_strict_fails_a_leaking_test(self) -> None:
        class Case(aiotest.AsyncTestCase):
            async def test_leaks(self) -> None:
                self.task = asyncio.ensure_future(asyncio.Event().wait())

        with mock.patch.dict(os.environ, {**CLEAN_ENV, "AIOTEST_STRICT": "1"}):
            self.assertFailedWith(run_case(Case), "(check_leaks)")
        with mock.patch.dict(os.environ, CLEAN_ENV):
            self.assertPassed(run_case(Case))


class LoopSettingsTest(HygieneTestCase):
    def test_loop_factory_decorator_runs_the_test_on_uvloop(self) -> None:
        loops: list[asyncio.AbstractEventLoop] = []

        class Case(aiotest.AsyncTestCase):
            @aiotest.loop_factory(uvloop.new_event_loop)
            async def test_uvloop(self) -> None:
                loops.append(asyncio.get_running_loop())

            async def test_default(self) -> None:
                loops.append(asyncio.get_running_loop())

        with mock.patch.dict(os.environ, CLEAN_ENV):
            self.assertPassed(run_case(Case, "test_uvloop", "test_default"), count=2)
        self.assertIsInstance(loops[0], uvloop.Loop)
        self.assertNotIsInstance(loops[1], uvloop.Loop)

    def test_aiotest_loop_uvloop_from_the_environment(self) -> None:
        loops: list[asyncio.AbstractEventLoop] = []

        class Case(aiotest.AsyncTestCase):
            async def test_it(self) -> None:
                loops.append(asyncio.get_running_loop())

        with mock.patch.dict(os.environ, {**CLEAN_ENV, "AIOTEST_LOOP": "uvloop"}):
            self.assertPassed(run_case(Case))
        self.assertIsInstance(loops[0], uvloop.Loop)

    def test_loop_debug_and_slow_callback_duration(self) -> None:
        seen: list[tuple[bool, float]] = []

        class Case(aiotest.AsyncTestCase):
            @aiotest.loop_debug
            @aiotest.slow_callback_duration(0.25)
            async def test_debug(self) -> None:
                loop = asyncio.get_running_loop()
                seen.append((loop.get_debug(), loop.slow_callback_duration))

        with mock.patch.dict(os.environ, CLEAN_ENV):
            self.assertPassed(run_case(Case))
        self.assertEqual(seen, [(True, 0.25)])

    def test_slow_callbacks_are_logged_in_debug_mode(self) -> None:
        class Case(aiotest.AsyncTestCase):
            loop_debug = True
            slow_callback_duration = 0.01

            async def test_blocks(self) -> None:
                threading.Event().wait(0.05)  # blocks the loop on purpose

        with self.assertLogs("asyncio", level="WARNING") as logs:
            self.assertPassed(run_case(Case))
        self.assertTrue(any("took" in record.getMessage() for record in logs.records))

    def test_executor_factory_makes_the_default_executor_and_it_is_shut_down(self) -> None:
        made: list[concurrent.futures.ThreadPoolExecutor] = []
        threads: list[str] = []

        def executor() -> concurrent.futures.ThreadPoolExecutor:
            made.append(concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="aiotest-x"))
            return made[-1]

        @aiotest.executor_factory(executor)
        class Case(aiotest.AsyncTestCase):
            async def test_threads(self) -> None:
                loop = asyncio.get_running_loop()
                name = threading.current_thread
                threads.append(await loop.run_in_executor(None, lambda: name().name))
                threads.append(await asyncio.to_thread(lambda: name().name))

        for factory in (None, uvloop.new_event_loop):
            with self.subTest(loop=factory):
                made.clear()
                threads.clear()
                case = Case if factory is None else type("Case", (Case,), {"loop_factory": factory})
                self.assertPassed(run_case(case))
                self.assertEqual(len(made), 1)
                self.assertTrue(all(t.startswith("aiotest-x") for t in threads), threads)
                with self.assertRaises(RuntimeError):  # shut down at teardown
                    made[0].submit(print)


if __name__ == "__main__":
    unittest.main()

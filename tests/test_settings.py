"""Settings: same-named decorators, resolution order, and the loop settings applied to the loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import subprocess
import sys
import threading
import types
import unittest
from collections.abc import Callable
from typing import Any
from unittest import mock

import uvloop
from aiohttp import web

import aiotest
from aiotest import _settings as aiotest_settings
from aiotest._settings import (
    SETTINGS_ATTRIBUTE,
    Settings,
    SettingsError,
    resolve_settings,
    validate_class_settings,
)

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

    def test_switches_take_true_or_false(self) -> None:
        for name in BARE:
            for value in (True, False):
                with self.subTest(decorator=name, value=value):

                    async def test_it(self: Any) -> None:
                        pass

                    self.assertIs(getattr(aiotest, name)(value)(test_it), test_it)
                    case = type("Case", (aiotest.AsyncTestCase,), {"test_it": test_it})
                    self.assertIs(getattr(settings_of(case, "test_it"), name), value)

    def test_switches_refuse_anything_but_nothing_true_or_false(self) -> None:
        calls: list[tuple[tuple[Any, ...], dict[str, Any], str]] = [
            ((), {}, ""),
            (("no",), {}, "'no'"),
            ((1,), {}, "1"),
            ((None,), {}, "None"),
            ((True, False), {}, "True, False"),
            ((), {"enabled": True}, "enabled=True"),
        ]
        for name in BARE:
            decorator = getattr(aiotest, name)
            for args, kwargs, written in calls:
                with self.subTest(decorator=name, arguments=written):
                    with self.assertRaises(TypeError) as caught:
                        decorator(*args, **kwargs)
                    self.assertEqual(
                        str(caught.exception),
                        f"@aiotest.{name} takes nothing, True or False: write @aiotest.{name}, "
                        f"@aiotest.{name}(True) or @aiotest.{name}(False), "
                        f"not @aiotest.{name}({written})",
                    )

    def test_timeout_takes_a_positive_number_of_seconds(self) -> None:
        for bad in (0, -1, float("nan"), float("inf")):
            with self.subTest(value=bad), self.assertRaises(ValueError) as caught:
                aiotest.timeout(bad)
            self.assertEqual(
                str(caught.exception),
                "@aiotest.timeout() takes a number of seconds greater than 0, "
                f"or None for no limit, not {bad!r}",
            )
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
        for name, what in (("loop_factory", "an event loop"), ("executor_factory", "an executor")):
            with self.subTest(decorator=name), self.assertRaises(TypeError) as caught:
                getattr(aiotest, name)(42)
            self.assertEqual(
                str(caught.exception),
                f"@aiotest.{name}() takes a callable that makes {what}, or None for asyncio's "
                "own, not int (42)",
            )

    def test_a_loop_named_by_a_string_points_to_the_factory_and_to_aiotest_loop(self) -> None:
        with self.assertRaises(TypeError) as caught:
            aiotest.loop_factory("uvloop")  # type: ignore[arg-type]
        message = str(caught.exception)
        self.assertIn("not the name 'uvloop'", message)
        self.assertIn("uvloop.new_event_loop", message)
        self.assertIn("AIOTEST_LOOP=uvloop", message)

    def test_valued_decorator_rejects_a_non_test_target(self) -> None:
        for decorator in (aiotest.timeout(1), aiotest.check_leaks(True)):
            with self.subTest(decorator=decorator), self.assertRaises(TypeError) as caught:
                decorator(42)
            self.assertIn(
                "decorates a test method or a test case class, not int", str(caught.exception)
            )

    def test_none_puts_back_the_default_for_one_test(self) -> None:
        class Case(aiotest.AsyncTestCase):
            timeout = 5.0
            loop_factory = uvloop.new_event_loop
            executor_factory = concurrent.futures.ThreadPoolExecutor
            slow_callback_duration = 1.0

            @aiotest.timeout(None)
            @aiotest.loop_factory(None)
            @aiotest.executor_factory(None)
            @aiotest.slow_callback_duration(None)
            async def test_defaults(self) -> None:
                pass

            async def test_class_values(self) -> None:
                pass

        env = {"AIOTEST_TIMEOUT": "1", "AIOTEST_LOOP": "uvloop"}
        self.assertEqual(settings_of(Case, "test_defaults", **env), Settings())
        settings = settings_of(Case, "test_class_values", **env)
        self.assertEqual(settings.timeout, 5.0)
        self.assertIs(settings.loop_factory, uvloop.new_event_loop)
        self.assertEqual(settings.slow_callback_duration, 1.0)

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


async def _a_test(self: Any) -> None:
    pass


def _decorators() -> list[tuple[str, Callable[[Any], Any]]]:
    """One decorator of each kind, as written above a test: bare, with a bool, with a value."""
    return [
        ("@aiotest.check_leaks", aiotest.check_leaks),
        ("@aiotest.strict", aiotest.strict),
        ("@aiotest.check_leaks", aiotest.check_leaks(False)),
        ("@aiotest.timeout", aiotest.timeout(1)),
        ("@aiotest.loop_factory", aiotest.loop_factory(uvloop.new_event_loop)),
    ]


class DecoratorTargetTest(unittest.TestCase):
    def test_descriptors_are_refused_with_where_the_decorator_belongs(self) -> None:
        for kind in (property, staticmethod, classmethod):
            for written, decorator in _decorators():
                with self.subTest(kind=kind.__name__, decorator=written):
                    with self.assertRaises(TypeError) as caught:
                        decorator(kind(_a_test))
                    self.assertEqual(
                        str(caught.exception),
                        f"{written} decorates a test method or a test case class, not a "
                        f"{kind.__name__}: unittest runs tests as plain methods "
                        "(def test_...(self)); put the decorator on one, or on the class",
                    )

    def test_test_cases_aiotest_does_not_run_are_refused(self) -> None:
        for base in (unittest.TestCase, unittest.IsolatedAsyncioTestCase):
            plain = type("PlainCase", (base,), {"test_it": _a_test})
            for written, decorator in _decorators():
                with self.subTest(base=base.__name__, decorator=written):
                    with self.assertRaises(TypeError) as caught:
                        decorator(plain)
                    self.assertEqual(
                        str(caught.exception),
                        f"{written} would do nothing on PlainCase: it is a unittest.TestCase "
                        "that aiotest does not run. Decorate an aiotest.AsyncTestCase or "
                        "aiotest.AioHTTPTestCase subclass or its test methods, or derive "
                        "PlainCase from one of them",
                    )
                    self.assertNotIn(SETTINGS_ATTRIBUTE, vars(plain))

    def test_aiotest_cases_functions_and_mixins_are_accepted(self) -> None:
        for written, decorator in _decorators():
            with self.subTest(decorator=written):
                mixin = type("Mixin", (), {})
                case = type("Case", (aiotest.AioHTTPTestCase,), {})
                for target in (mixin, case, _a_test):
                    self.assertIs(decorator(target), target)

    def test_an_aiotest_case_runs_with_the_settings_of_a_decorated_mixin(self) -> None:
        @aiotest.timeout(3)
        @aiotest.strict
        class Mixin:
            async def test_it(self) -> None:
                pass

        class MixinFirst(Mixin, aiotest.AsyncTestCase):
            pass

        class MixinLast(aiotest.AsyncTestCase, Mixin):
            pass

        for case in (MixinFirst, MixinLast):
            with self.subTest(case=case.__name__):
                settings = settings_of(case, "test_it")
                self.assertEqual(settings.timeout, 3.0)
                self.assertTrue(settings.strict)
                self.assertTrue(settings.check_leaks)


BAD_CLASS_ATTRIBUTES: list[tuple[str, object, type[Exception], str]] = [
    ("timeout", "abc", TypeError, "takes a number of seconds greater than 0, or None"),
    ("timeout", -1, ValueError, "takes a number of seconds greater than 0, or None"),
    ("timeout", 0, ValueError, "takes a number of seconds greater than 0, or None"),
    ("timeout", True, TypeError, "takes a number of seconds greater than 0, or None"),
    ("slow_callback_duration", -1, ValueError, "takes a number of seconds, 0 or more"),
    ("slow_callback_duration", "0.1", TypeError, "takes a number of seconds, 0 or more"),
    ("loop_factory", 42, TypeError, "takes a callable that makes an event loop"),
    ("loop_factory", "uvloop", TypeError, "uvloop.new_event_loop"),
    ("executor_factory", concurrent.futures.ThreadPoolExecutor(1), TypeError, "an executor"),
    *(
        (name, value, TypeError, "takes True or False")
        for name in BARE
        for value in ("no", 1, None)
    ),
]


class ClassAttributeTest(unittest.TestCase):
    def test_a_bad_value_fails_when_the_class_is_created(self) -> None:
        for name, value, error, fragment in BAD_CLASS_ATTRIBUTES:
            with self.subTest(name=name, value=value), self.assertRaises(error) as caught:
                type("Case", (aiotest.AsyncTestCase,), {name: value})
            message = str(caught.exception)
            self.assertTrue(message.startswith(f"the class attribute Case.{name} "), message)
            self.assertIn(fragment, message)
            self.assertIn(f"not {value!r}" if error is ValueError else repr(value), message)
            self.assertIsInstance(caught.exception, SettingsError)

    def test_a_nested_class_is_named_as_its_module_sees_it(self) -> None:
        with self.assertRaises(ValueError) as caught:

            class Outer:
                class Inner(aiotest.AsyncTestCase):
                    timeout = 0

        self.assertTrue(str(caught.exception).startswith("the class attribute Outer.Inner."))

    def test_an_aiohttp_case_is_checked_too(self) -> None:
        with self.assertRaisesRegex(TypeError, r"AppCase\.check_leaks takes True or False"):
            type("AppCase", (aiotest.AioHTTPTestCase,), {"check_leaks": "no"})

    def test_good_values_are_accepted(self) -> None:
        good: dict[str, object] = {
            "timeout": 1,
            "slow_callback_duration": 0,
            "loop_factory": staticmethod(uvloop.new_event_loop),
            "executor_factory": concurrent.futures.ThreadPoolExecutor,
            **{name: False for name in BARE},
        }
        case = type("Case", (aiotest.AsyncTestCase,), {"test_it": _a_test, **good})
        self.assertEqual(settings_of(case, "test_it").timeout, 1.0)

    def test_a_mixin_in_front_of_the_case_is_checked_with_it(self) -> None:
        mixin = type("Mixin", (), {"timeout": 0})  # a plain class: nothing checks it yet
        with self.assertRaisesRegex(ValueError, r"Mixin\.timeout takes a number of seconds"):
            type("Case", (mixin, aiotest.AsyncTestCase), {})

    def test_a_mixin_hidden_behind_the_case_s_defaults_is_refused(self) -> None:
        mixin = type("Mixin", (), {"timeout": 5.0})
        for base in (aiotest.AsyncTestCase, aiotest.AioHTTPTestCase):
            with self.subTest(base=base.__name__), self.assertRaises(TypeError) as caught:
                type("Case", (base, mixin), {})
            self.assertEqual(
                str(caught.exception),
                "Mixin.timeout would be ignored: Case lists Mixin after its aiotest test case "
                "class, whose own default timeout comes first. List Mixin first among the "
                "bases of Case",
            )
        mixin_first: Any = type("Case", (mixin, aiotest.AsyncTestCase), {})
        self.assertEqual(mixin_first.timeout, 5.0)
        type("Case", (aiotest.AsyncTestCase, type("Unrelated", (), {"other": 1})), {})

    def test_only_what_is_set_below_the_base_is_checked(self) -> None:
        base = type("Base", (), {"timeout": "aiotest's own"})
        validate_class_settings(type("Child", (base,), {}), base)
        child = type("Child", (base,), {"timeout": "the user's"})
        with self.assertRaisesRegex(TypeError, r"Child\.timeout"):
            validate_class_settings(child, base)

    def test_a_value_changed_after_the_class_was_made_fails_its_tests(self) -> None:
        case = type("Case", (aiotest.AsyncTestCase,), {"test_it": _a_test})
        case.timeout = 0  # type: ignore[attr-defined]  # the mistake under test
        with self.assertRaisesRegex(SettingsError, r"Case\.timeout takes a number of seconds"):
            settings_of(case, "test_it")


class StrictPrecedenceTest(unittest.TestCase):
    def checks(self, case: type[unittest.TestCase], **environ: str) -> tuple[bool, bool, bool]:
        settings = settings_of(case, "test_it", **environ)
        return (
            settings.catch_loop_exceptions,
            settings.check_leaks,
            settings.raise_server_exceptions,
        )

    def test_a_method_switches_one_check_off_in_a_strict_class(self) -> None:
        class Case(aiotest.AsyncTestCase):
            strict = True

            @aiotest.raise_server_exceptions(False)
            async def test_it(self) -> None:
                pass

        self.assertEqual(self.checks(Case), (True, True, False))
        self.assertTrue(settings_of(Case, "test_it").strict)  # kept for reporting

    def test_a_class_attribute_wins_over_aiotest_strict(self) -> None:
        class Case(aiotest.AsyncTestCase):
            check_leaks = False

            async def test_it(self) -> None:
                pass

        self.assertEqual(self.checks(Case, AIOTEST_STRICT="1"), (True, False, True))

    def test_at_one_level_an_explicit_check_wins_over_strict(self) -> None:
        class Attributes(aiotest.AsyncTestCase):
            strict = True
            catch_loop_exceptions = False

            async def test_it(self) -> None:
                pass

        @aiotest.strict
        @aiotest.check_leaks(False)
        class Decorated(aiotest.AsyncTestCase):
            async def test_it(self) -> None:
                pass

        class Method(aiotest.AsyncTestCase):
            @aiotest.check_leaks(False)
            @aiotest.strict
            async def test_it(self) -> None:
                pass

        self.assertEqual(self.checks(Attributes), (False, True, True))
        self.assertEqual(self.checks(Decorated), (True, False, True))
        self.assertEqual(self.checks(Method), (True, False, True))

    def test_strict_at_a_narrower_level_wins_over_a_broader_check(self) -> None:
        class Attribute(aiotest.AsyncTestCase):
            check_leaks = False

            async def test_it(self) -> None:
                pass

        @aiotest.strict
        class ClassDecorator(Attribute):
            pass

        class Subclass(Attribute):
            strict = True

        class Method(Attribute):
            @aiotest.strict
            async def test_it(self) -> None:
                pass

        for case in (ClassDecorator, Subclass, Method):
            with self.subTest(case=case.__name__):
                self.assertEqual(self.checks(case), (True, True, True))

    def test_strict_false_leaves_only_the_checks_set_on_their_own(self) -> None:
        @aiotest.check_leaks
        class Case(aiotest.AsyncTestCase):
            strict = True

            @aiotest.strict(False)
            async def test_it(self) -> None:
                pass

        self.assertEqual(self.checks(Case), (False, True, False))
        self.assertEqual(self.checks(Case, AIOTEST_STRICT="1"), (False, True, False))
        self.assertFalse(settings_of(Case, "test_it").strict)


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


async def broken(request: web.Request) -> web.Response:
    raise ZeroDivisionError("the handler's bug")


class StrictSwitchedOffTest(HygieneTestCase):
    def test_a_strict_class_lets_one_test_expect_a_500(self) -> None:
        class StrictAppCase(aiotest.AioHTTPTestCase):
            strict = True

            async def get_application(self) -> web.Application:
                app = web.Application()
                app.router.add_get("/broken", broken)
                return app

            @aiotest.raise_server_exceptions(False)
            async def test_expects_a_500(self) -> None:
                async with self.client.get("/broken") as response:
                    self.assertEqual(response.status, 500)
                self.assertTrue(self.settings.check_leaks)
                self.assertTrue(self.settings.catch_loop_exceptions)

            async def test_strict(self) -> None:
                async with self.client.get("/broken") as response:
                    self.assertEqual(response.status, 500)

        with (
            mock.patch.dict(os.environ, CLEAN_ENV),
            self.assertNoLogs("aiohttp.server", level="ERROR"),
        ):
            self.assertPassed(run_case(StrictAppCase, "test_expects_a_500"))
            self.assertFailedWith(
                run_case(StrictAppCase, "test_strict"), "(raise_server_exceptions)"
            )


class EnvironmentErrorTest(unittest.TestCase):
    BAD = (
        (
            {"AIOTEST_TIMEOUT": "abc"},
            "AIOTEST_TIMEOUT='abc' is not a number of seconds greater than 0: set it to one, "
            "such as AIOTEST_TIMEOUT=30, or unset it for no limit",
        ),
        ({"AIOTEST_TIMEOUT": "0"}, "AIOTEST_TIMEOUT='0' is not a number of seconds"),
        ({"AIOTEST_TIMEOUT": "inf"}, "AIOTEST_TIMEOUT='inf' is not a number of seconds"),
        (
            {"AIOTEST_STRICT": "maybe"},
            "AIOTEST_STRICT='maybe' is not a switch: set it to 1 or 0 (or true/false, yes/no, "
            "on/off), or unset it",
        ),
        (
            {"AIOTEST_LOOP": "trio"},
            "AIOTEST_LOOP='trio' is not an event loop aiotest knows: set it to 'asyncio' or "
            "'uvloop', or unset it",
        ),
    )

    def test_a_bad_value_raises_a_settings_error_when_a_test_resolves_it(self) -> None:
        case = type("Case", (aiotest.AsyncTestCase,), {"test_it": _a_test})

        def resolve_case(environ: dict[str, str]) -> Settings:
            return settings_of(case, "test_it", **environ)

        for environ, message in self.BAD:
            with self.subTest(environ=environ):
                for resolve in (aiotest_settings.environment_defaults, resolve_case):
                    with self.assertRaises(SettingsError) as caught:
                        resolve(environ)
                    self.assertTrue(str(caught.exception).startswith(message))
                    self.assertIsInstance(caught.exception, ValueError)

    def test_a_missing_uvloop_is_a_settings_error_too(self) -> None:
        with (
            mock.patch.dict(sys.modules, {"uvloop": None}),
            self.assertRaises(SettingsError) as caught,
        ):
            aiotest_settings.environment_defaults({"AIOTEST_LOOP": "uvloop"})
        self.assertIn("pip install 'aiotest-unittest[uvloop]'", str(caught.exception))

    def test_nothing_reads_the_environment_at_import_or_class_creation(self) -> None:
        environ = {**os.environ}
        for bad, _ in self.BAD:
            environ.update(bad)
        source = (
            "import aiotest\n"
            "class Case(aiotest.AsyncTestCase):\n"
            "    timeout = 1\n"
            "    async def test_it(self): pass\n"
            "try:\n"
            "    Case('test_it').settings\n"
            "except aiotest._settings.SettingsError as error:\n"
            "    print(error)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", source], env=environ, capture_output=True, text=True
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("is not", done.stdout)  # resolving the settings raised


class AsyncioDebugTest(unittest.TestCase):
    def test_asyncio_s_own_rule(self) -> None:
        cases = [
            # (dev_mode, ignore_environment, PYTHONASYNCIODEBUG, expected)
            (False, 0, None, False),
            (False, 0, "", False),
            (False, 0, "1", True),
            (False, 0, "0", True),
            (False, 0, "2", True),
            (False, 1, "1", False),
            (True, 0, None, True),
            (True, 1, "", True),
        ]
        for dev_mode, ignore, value, expected in cases:
            with self.subTest(dev_mode=dev_mode, ignore_environment=ignore, value=value):
                flags = types.SimpleNamespace(dev_mode=dev_mode, ignore_environment=ignore)
                environ = {} if value is None else {"PYTHONASYNCIODEBUG": value}
                found = aiotest_settings.asyncio_debug_from_env(environ, flags)
                self.assertIs(found, expected)

    def test_matches_the_loops_asyncio_makes_under_each_interpreter_flag(self) -> None:
        # asyncio reads the variable each time it makes a loop: its loops are the oracle.
        source = (
            "import asyncio, json, os, sys\n"
            "from aiotest._settings import environment_defaults\n"
            "seen = []\n"
            "for value in json.loads(sys.argv[1]):\n"
            "    os.environ['PYTHONASYNCIODEBUG'] = value\n"
            "    loop = asyncio.new_event_loop()\n"
            "    seen.append([loop.get_debug(), environment_defaults().get('loop_debug', False)])\n"
            "    loop.close()\n"
            "print(json.dumps(seen))\n"
        )
        values = ["", "0", "1", "2", "no", " "]
        for flags in ([], ["-E"], ["-X", "dev"]):
            with self.subTest(flags=flags):
                done = subprocess.run(
                    [sys.executable, *flags, "-c", source, json.dumps(values)],
                    env={**os.environ, **CLEAN_ENV},
                    capture_output=True,
                    text=True,
                )
                self.assertEqual(done.returncode, 0, done.stderr)
                seen = json.loads(done.stdout)
                for value, (asyncio_debug, aiotest_debug) in zip(values, seen, strict=True):
                    self.assertEqual(aiotest_debug, asyncio_debug, f"PYTHONASYNCIODEBUG={value!r}")
                self.assertEqual(len({tuple(pair) for pair in seen}), 1 if flags else 2)


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

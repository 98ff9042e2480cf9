"""Legacy decorators in detail: bad use, wrapping, generator coroutines, loops, run_forever."""

# Legacy generator tests "yield from" coroutines, which mypy accepts only in generators
# decorated with types.coroutine: exactly what these tests show to be unnecessary.
# mypy: disable-error-code="misc"

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import os
import subprocess
import sys
import types
import unittest
import warnings
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from typing import Any
from unittest import mock

from aiohttp import web

import aiotest
from aiotest._compat import thread_event_loop
from aiotest._messages import (
    LEGACY_DECORATES_A_CLASS,
    LEGACY_LOOP_IN_ASYNC_CASE,
    LOOP_ERROR_REPORTED,
    NO_CURRENT_LOOP,
    UNITTEST_RUN_LOOP_DEPRECATED,
)


def _run(case: unittest.TestCase) -> unittest.TestResult:
    result = unittest.TestResult()
    case.run(result)
    return result


#: Prints what asyncio.get_event_loop() does in a subprocess: make a loop, or raise.
GET_EVENT_LOOP_OUTCOME = """
import asyncio, warnings
warnings.simplefilter("ignore", DeprecationWarning)
try:
    loop = asyncio.get_event_loop()
except RuntimeError:
    print("RuntimeError")
else:
    print("made a closed loop" if loop.is_closed() else "made an open loop")
    loop.close()
"""


def _in_fresh_interpreter(code: str) -> str:
    """Run ``code`` in a new Python process; return what it printed."""
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return completed.stdout.strip()


def _problems(result: unittest.TestResult) -> list[str]:
    return [text for _, text in result.errors + result.failures]


@contextlib.contextmanager
def _current(loop: asyncio.AbstractEventLoop | None) -> Iterator[None]:
    """Make ``loop`` current for the block; leave no current loop afterwards."""
    asyncio.set_event_loop(loop)
    try:
        yield
    finally:
        asyncio.set_event_loop(None)


class DecorationErrorsTest(unittest.TestCase):
    """Bad use fails where the decorator is written, saying what is wrong."""

    def test_not_callable(self) -> None:
        for decorator in (aiotest.run_until_complete, aiotest.run_forever):
            with self.subTest(decorator=decorator.__name__):
                with self.assertRaisesRegex(TypeError, "decorates a test function, not int"):
                    decorator(5)  # type: ignore[call-overload]
                with self.assertRaisesRegex(TypeError, "decorates a test function, not str"):
                    decorator()("test_name")  # type: ignore[arg-type]

    def test_a_test_case_class_is_refused(self) -> None:
        # Before, the class became a test function and unittest ran none of its tests.
        decorators: dict[str, Callable[[Any], Any]] = {
            "run_until_complete": aiotest.run_until_complete,
            "run_until_complete(loop=...)": aiotest.run_until_complete(loop=aiotest.current_loop),
            "run_forever": aiotest.run_forever,
            "run_forever(timeout=...)": aiotest.run_forever(timeout=0),
        }
        for label, decorator in decorators.items():
            name = label.split("(")[0]
            with (
                self.subTest(decorator=label),
                self.assertRaises(TypeError) as caught,
            ):

                @decorator
                class SomeTests(unittest.TestCase):
                    def test_it(self) -> None:
                        pass  # pragma: no cover - never defined

            self.assertEqual(
                str(caught.exception),
                LEGACY_DECORATES_A_CLASS.format(
                    decorator=name,
                    class_name="DecorationErrorsTest.test_a_test_case_class_is_refused"
                    ".<locals>.SomeTests",
                ),
            )
            self.assertIn(f"put @aiotest.{name} on each test method", str(caught.exception))

    def test_positional_option_is_pointed_at_the_keywords(self) -> None:
        with self.assertRaisesRegex(TypeError, r"keywords: @aiotest.run_forever\(timeout="):
            aiotest.run_forever(10)  # type: ignore[call-overload]
        with self.assertRaisesRegex(TypeError, r"keywords: @aiotest.run_until_complete\(loop="):
            aiotest.run_until_complete("test_name")  # type: ignore[call-overload]

    def test_timeout_and_sleep_must_be_numbers(self) -> None:
        for name in ("timeout", "sleep"):
            value: Any
            for value in ("1", None, True, [1]):
                with (
                    self.subTest(name=name, value=value),
                    self.assertRaisesRegex(TypeError, f"{name}= takes a number of seconds"),
                ):
                    aiotest.run_forever(**{name: value})

    def test_timeout_and_sleep_must_be_finite_and_not_negative(self) -> None:
        for name in ("timeout", "sleep"):
            for value in (-1, -0.001, float("nan"), float("inf")):
                options: dict[str, Any] = {name: value}
                with (
                    self.subTest(name=name, value=value),
                    self.assertRaisesRegex(ValueError, f"{name}= must be a finite number"),
                ):
                    aiotest.run_forever(**options)

    def test_zero_and_fractions_are_fine(self) -> None:
        def test() -> None:
            pass

        for value in (0, 0.0, 0.001, 2):
            with self.subTest(value=value):
                self.assertTrue(callable(aiotest.run_forever(timeout=value, sleep=value)(test)))

    def test_loop_must_be_callable(self) -> None:
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        for decorator in (aiotest.run_until_complete, aiotest.run_forever):
            for value in (loop, "current", 42):
                with (
                    self.subTest(decorator=decorator.__name__, value=value),
                    self.assertRaisesRegex(TypeError, "loop= takes a callable that returns"),
                ):
                    decorator(loop=value)  # type: ignore[call-overload]

    def test_loop_must_not_be_called_already(self) -> None:
        with self.assertRaisesRegex(TypeError, "not the context manager .* itself"):
            aiotest.run_forever(loop=aiotest.current_loop())  # type: ignore[arg-type]

    def test_loop_generator_function_needs_contextmanager(self) -> None:
        def own_loop() -> Generator[asyncio.AbstractEventLoop, None, None]:
            yield asyncio.new_event_loop()  # pragma: no cover - never called

        with self.assertRaisesRegex(
            TypeError, r"own_loop is a generator function: .*contextmanager"
        ):
            aiotest.run_until_complete(loop=own_loop)  # type: ignore[arg-type]


class LoopFactoryErrorsTest(unittest.TestCase):
    """What loop= returns is checked when the test runs, and the test fails saying why."""

    def run_with(self, factory: Any) -> str:
        class Case(unittest.TestCase):
            @aiotest.run_until_complete(loop=factory)
            async def test_it(self) -> None:
                raise AssertionError("the body must not run")  # pragma: no cover

        result = _run(Case("test_it"))
        self.assertEqual(len(result.errors), 1, _problems(result))
        return result.errors[0][1]

    def test_factory_that_returns_a_loop(self) -> None:
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        text = self.run_with(lambda: loop)
        self.assertIn("returned _UnixSelectorEventLoop, not a context manager", text)

    def test_context_manager_that_yields_something_else(self) -> None:
        @contextlib.contextmanager
        def not_a_loop() -> Iterator[str]:
            yield "loop"

        self.assertIn("yielded str, not an asyncio event loop", self.run_with(not_a_loop))

    def test_closed_loop(self) -> None:
        loop = asyncio.new_event_loop()
        loop.close()

        @contextlib.contextmanager
        def closed() -> Iterator[asyncio.AbstractEventLoop]:
            yield loop

        self.assertIn("<locals>.closed is closed", self.run_with(closed))

    def test_running_loop(self) -> None:
        @aiotest.run_until_complete(loop=aiotest.current_loop)
        async def decorated() -> None:
            raise AssertionError("must not run")  # pragma: no cover

        async def call_inside_a_coroutine() -> None:
            decorated()

        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        with _current(loop), self.assertRaisesRegex(RuntimeError, "is already running"):
            loop.run_until_complete(call_inside_a_coroutine())

    def test_other_factory_in_an_async_case(self) -> None:
        @contextlib.contextmanager
        def own_loop() -> Iterator[asyncio.AbstractEventLoop]:
            yield asyncio.new_event_loop()  # pragma: no cover - refused before

        class Case(aiotest.AsyncTestCase):
            @aiotest.run_until_complete(loop=own_loop)
            async def test_it(self) -> None:
                raise AssertionError("must not run")  # pragma: no cover

        result = _run(Case("test_it"))
        self.assertEqual(len(result.errors), 1)
        expected = LEGACY_LOOP_IN_ASYNC_CASE.format(name=own_loop.__qualname__, class_name="Case")
        self.assertIn(expected, result.errors[0][1])


class WrappingTest(unittest.TestCase):
    """Names, docstrings and markers of the test survive the decorators."""

    def test_names_docstrings_and_signature(self) -> None:
        def test_thing(self: Any, extra: int = 3) -> Generator[Any, None, None]:
            """Check the thing."""
            yield

        for decorate in (
            aiotest.run_until_complete,
            aiotest.run_until_complete(loop=aiotest.current_loop),
            aiotest.run_forever,
            aiotest.run_forever(timeout=0),
        ):
            wrapped: Any = decorate(test_thing)
            self.assertEqual(wrapped.__name__, "test_thing")
            self.assertEqual(wrapped.__qualname__, test_thing.__qualname__)
            self.assertEqual(wrapped.__doc__, "Check the thing.")
            self.assertEqual(wrapped.__module__, __name__)
            self.assertIs(wrapped.__wrapped__, test_thing)
            self.assertEqual(inspect.signature(wrapped), inspect.signature(test_thing))

    def test_aio_testing_defaults(self) -> None:
        parameters = inspect.signature(aiotest.run_forever).parameters
        self.assertEqual(parameters["timeout"].default, 1)
        self.assertEqual(parameters["sleep"].default, 0)
        self.assertIsNone(parameters["loop"].default)

    def test_verbose_description_in_both_kinds_of_case(self) -> None:
        for base in (unittest.TestCase, aiotest.AsyncTestCase):

            class Case(base):  # type: ignore[valid-type]
                @aiotest.run_until_complete
                def test_described(self) -> Generator[Any, None, None]:
                    """What this test checks."""
                    yield from asyncio.sleep(0)

            case = Case("test_described")
            with self.subTest(base=base.__name__):
                self.assertEqual(case.shortDescription(), "What this test checks.")
                self.assertIn("test_described", str(case))
                self.assertTrue(_run(case).wasSuccessful())

    def test_expected_failure_above_and_below(self) -> None:
        for base in (unittest.TestCase, aiotest.AsyncTestCase):

            class Case(base):  # type: ignore[valid-type]
                @unittest.expectedFailure
                @aiotest.run_until_complete
                def test_marker_on_top(self) -> Generator[Any, None, None]:
                    yield from asyncio.sleep(0)
                    self.fail("expected")

                @aiotest.run_forever(timeout=0)
                @unittest.expectedFailure
                def test_marker_below(self) -> Generator[Any, None, None]:
                    yield from asyncio.sleep(0)
                    self.fail("expected")

            for name in ("test_marker_on_top", "test_marker_below"):
                with self.subTest(base=base.__name__, name=name):
                    result = _run(Case(name))
                    self.assertEqual(_problems(result), [])
                    self.assertEqual(len(result.expectedFailures), 1)

    def test_any_isolated_async_case_with_and_without_mock_patch_on_top(self) -> None:
        # Without a wrapper on top, unittest finds a coroutine method; @mock.patch on top
        # calls the decorated test directly, which then runs on the case's loop itself.
        seen: list[tuple[str, asyncio.AbstractEventLoop]] = []
        case_loops: list[asyncio.AbstractEventLoop] = []

        for base in (unittest.TestCase, aiotest.AsyncTestCase, unittest.IsolatedAsyncioTestCase):

            class Case(base):  # type: ignore[valid-type]
                async def asyncSetUp(self) -> None:
                    case_loops.append(asyncio.get_running_loop())

                @mock.patch("os.getcwd", return_value="/patched")
                @aiotest.run_until_complete
                def test_patched(self, getcwd: mock.Mock) -> Generator[Any, None, None]:
                    yield from asyncio.sleep(0)
                    seen.append((os.getcwd(), asyncio.get_running_loop()))

                @aiotest.run_until_complete
                def test_plain(self) -> Generator[Any, None, None]:
                    yield from asyncio.sleep(0)
                    seen.append((os.getcwd(), asyncio.get_running_loop()))

            for name in ("test_patched", "test_plain"):
                with self.subTest(base=base.__name__, name=name):
                    result = _run(Case(name))
                    self.assertEqual(_problems(result), [])
                    self.assertEqual(seen[-1][0] == "/patched", name == "test_patched")
                    if base is not unittest.TestCase:
                        self.assertIs(seen[-1][1], case_loops[-1])

    def test_the_async_case_timeout_applies(self) -> None:
        class Case(aiotest.AsyncTestCase):
            timeout = 0.05

            @aiotest.run_until_complete
            def test_class_timeout(self) -> Generator[Any, None, None]:
                yield from asyncio.sleep(30)

            @aiotest.timeout(0.05)
            @aiotest.run_forever(timeout=30)
            def test_method_timeout_on_top(self) -> None:
                pass

        for name in ("test_class_timeout", "test_method_timeout_on_top"):
            with self.subTest(name=name):
                result = _run(Case(name))
                self.assertEqual(len(result.failures), 1, _problems(result))
                self.assertIn("timeout of 0.05 s", result.failures[0][1])

    def test_plain_functions_take_arguments(self) -> None:
        @aiotest.run_until_complete
        def check(
            parent: asyncio.AbstractEventLoop, seen: list[bool]
        ) -> Generator[Any, None, None]:
            yield from asyncio.sleep(0)
            seen.append(asyncio.get_event_loop() is not parent)

        parent = asyncio.new_event_loop()
        self.addCleanup(parent.close)
        seen: list[bool] = []
        with _current(parent):
            check(parent, seen)
            self.assertIs(asyncio.get_event_loop(), parent)
        self.assertEqual(seen, [True])


class GeneratorCoroutinesTest(unittest.TestCase):
    """Generator tests run as coroutines: ``yield from`` coroutines, futures, helpers."""

    def test_yield_from_everything_legacy_code_yields_from(self) -> None:
        @types.coroutine
        def legacy_helper(value: int) -> Generator[Any, None, int]:
            yield from asyncio.sleep(0)
            return value * 2

        async def native(value: int) -> int:
            await asyncio.sleep(0)
            return value + 1

        seen: list[Any] = []

        @aiotest.run_until_complete
        def test_body() -> Generator[Any, Any, None]:
            loop = asyncio.get_event_loop()
            future = loop.create_future()
            loop.call_soon(future.set_result, "from a future")
            seen.append((yield from future))
            seen.append((yield from native(1)))
            seen.append((yield from legacy_helper(5)))
            seen.append((yield from asyncio.wait_for(native(10), 1)))
            task = asyncio.ensure_future(native(20))
            seen.append((yield from task))
            yield  # a bare yield gives way to the loop once
            seen.append("end")

        test_body()
        self.assertEqual(seen, ["from a future", 2, 10, 11, 21, "end"])

    def test_the_users_function_is_not_changed(self) -> None:
        def test_body(awaitable: Any = None) -> Generator[Any, None, None]:
            yield from awaitable or asyncio.sleep(0)

        flags = test_body.__code__.co_flags
        aiotest.run_until_complete(test_body)()
        self.assertEqual(test_body.__code__.co_flags, flags)
        self.assertFalse(flags & inspect.CO_ITERABLE_COROUTINE)
        coroutine = asyncio.sleep(0)
        self.addCleanup(coroutine.close)
        with self.assertRaisesRegex(TypeError, "cannot 'yield from' a coroutine"):
            # Still a plain generator function: yield from a coroutine is refused.
            next(test_body(coroutine))

    def test_generator_exception_and_return_value(self) -> None:
        def failing() -> Generator[Any, None, None]:
            yield from asyncio.sleep(0)
            raise LookupError("from the generator")

        with self.assertRaisesRegex(LookupError, "from the generator"):
            aiotest.run_until_complete(failing)()

    def test_plain_function_returning_a_generator(self) -> None:
        seen: list[str] = []

        def helper() -> Generator[Any, None, None]:
            future = asyncio.get_event_loop().create_future()
            future.get_loop().call_soon(future.set_result, None)
            yield from future
            seen.append("driven")

        @aiotest.run_until_complete
        def test_body() -> Generator[Any, None, None]:
            return helper()

        test_body()
        self.assertEqual(seen, ["driven"])

    def test_bound_methods_and_partials_as_callbacks(self) -> None:
        seen: list[str] = []

        class Checker:
            def check(self, label: str = "method") -> Generator[Any, None, None]:
                yield from asyncio.sleep(0)
                seen.append(label)

        for callback in (
            Checker().check,
            __import__("functools").partial(Checker.check, Checker(), "partial"),
        ):

            @aiotest.run_forever(timeout=0)
            def test_body(callback: Callable[[], Any] = callback) -> Callable[[], Any]:
                return callback

            test_body()
        self.assertEqual(seen, ["method", "partial"])


class UnittestRunLoopTest(unittest.TestCase):
    """unittest_run_loop also takes a generator test, as aiohttp's did before 3.8."""

    def test_generator_test_runs_on_the_case_loop(self) -> None:
        async def hello(request: web.Request) -> web.Response:
            return web.Response(text="hi")

        seen: list[Any] = []

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")

            class Case(aiotest.AioHTTPTestCase):
                async def get_application(self) -> web.Application:
                    app = web.Application()
                    app.router.add_get("/", hello)
                    return app

                @aiotest.unittest_run_loop
                def test_get(self) -> Generator[Any, Any, None]:
                    """A generator test."""
                    response = yield from self.client.get("/")
                    seen.append((yield from response.text()))
                    seen.append(asyncio.get_running_loop() is self.loop)

        self.assertEqual([str(w.message) for w in caught], [UNITTEST_RUN_LOOP_DEPRECATED])
        self.assertEqual(caught[0].category, DeprecationWarning)
        self.assertEqual(caught[0].filename, __file__)
        self.assertTrue(inspect.iscoroutinefunction(Case.test_get))
        self.assertEqual(Case.test_get.__doc__, "A generator test.")
        result = _run(Case("test_get"))
        self.assertEqual(_problems(result), [])
        self.assertEqual(seen, ["hi", True])

    def test_generator_failure_fails_the_test(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)

            class Case(aiotest.AsyncTestCase):
                @aiotest.unittest_run_loop
                def test_fails(self) -> Generator[Any, None, None]:
                    yield from asyncio.sleep(0)
                    self.assertEqual(1, 2)

        result = _run(Case("test_fails"))
        self.assertEqual(len(result.failures), 1)
        self.assertIn("AssertionError: 1 != 2", result.failures[0][1])

    def test_other_functions_come_back_unchanged(self) -> None:
        async def coroutine_test() -> None:
            pass  # pragma: no cover

        def plain_test() -> None:
            pass  # pragma: no cover

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            self.assertIs(aiotest.unittest_run_loop(coroutine_test), coroutine_test)
            self.assertIs(aiotest.unittest_run_loop(plain_test), plain_test)


class LoopsTest(unittest.TestCase):
    """Which loop a test gets, and what is left of it afterwards."""

    def test_fresh_loop_is_cleaned_up(self) -> None:
        events: list[str] = []
        made: list[asyncio.AbstractEventLoop] = []

        async def forever() -> None:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                events.append("task cancelled")
                raise

        async def numbers() -> AsyncIterator[int]:
            try:
                yield 1
                yield 2  # pragma: no cover - never reached
            finally:
                events.append("async generator closed")

        @aiotest.run_until_complete
        async def test_body() -> None:
            made.append(asyncio.get_running_loop())
            asyncio.get_running_loop().create_task(forever())
            generator = numbers()
            events.append(f"got {await generator.__anext__()}")
            await asyncio.get_running_loop().run_in_executor(None, events.append, "in executor")
            await asyncio.sleep(0)

        for previous in (None, asyncio.new_event_loop()):
            events.clear()
            with self.subTest(previous=previous), _current(previous):
                test_body()
                self.assertIs(thread_event_loop(), previous)
            if previous is not None:
                previous.close()
            self.assertTrue(made[-1].is_closed())
            self.assertEqual(
                sorted(events),
                ["async generator closed", "got 1", "in executor", "task cancelled"],
            )

    def test_never_set_stays_never_set(self) -> None:
        # Legacy suites call asyncio.get_event_loop() in setUpClass, after decorated tests
        # ran: it must do what it does in a fresh interpreter (make a loop up to 3.13,
        # raise from 3.14 on), not find a closed loop or raise where it used to make one.
        untouched = _in_fresh_interpreter(GET_EVENT_LOOP_OUTCOME)
        after_a_test = _in_fresh_interpreter(
            "import aiotest\n"
            "@aiotest.run_until_complete\n"
            "async def test_body():\n"
            "    pass\n"
            "test_body()\n" + GET_EVENT_LOOP_OUTCOME
        )
        self.assertEqual(after_a_test, untouched)
        self.assertIn(untouched, ("made an open loop", "RuntimeError"))

    def test_fresh_loop_follows_the_environment(self) -> None:
        debug: list[bool] = []

        @aiotest.run_until_complete
        async def test_body() -> None:
            debug.append(asyncio.get_running_loop().get_debug())

        # asyncio's own rule: any non-empty value turns debug mode on, "0" included.
        for value, expected in (("1", True), ("0", True), ("", False)):
            with mock.patch.dict(os.environ, {"PYTHONASYNCIODEBUG": value}):
                test_body()
            self.assertEqual(debug[-1], expected)
        with (
            mock.patch.dict(os.environ, {"AIOTEST_LOOP": "no-such-loop"}),
            self.assertRaisesRegex(ValueError, "AIOTEST_LOOP='no-such-loop'"),
        ):
            test_body()

    def test_current_loop_yields_the_current_loop_untouched(self) -> None:
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        with _current(loop):
            with aiotest.current_loop() as found:
                self.assertIs(found, loop)
            self.assertIs(asyncio.get_event_loop(), loop)
        self.assertFalse(loop.is_closed())

    def test_current_loop_without_one(self) -> None:
        with (
            _current(None),
            self.assertRaisesRegex(RuntimeError, NO_CURRENT_LOOP.split(":")[0]),
            aiotest.current_loop(),
        ):
            pass  # pragma: no cover

    def test_loop_shared_with_set_up_class_keeps_its_tasks(self) -> None:
        class Case(unittest.TestCase):
            loop: asyncio.AbstractEventLoop
            queue: asyncio.Queue[str]

            @classmethod
            def setUpClass(cls) -> None:
                cls.loop = asyncio.new_event_loop()
                asyncio.set_event_loop(cls.loop)
                cls.queue = asyncio.Queue()

            @classmethod
            def tearDownClass(cls) -> None:
                asyncio.set_event_loop(None)
                cls.loop.close()

            @aiotest.run_until_complete(loop=aiotest.current_loop)
            def test_1_put(self) -> Generator[Any, None, None]:
                yield from self.queue.put("kept")

            @aiotest.run_forever(timeout=0, loop=aiotest.current_loop)
            def test_2_get(self) -> Generator[Any, Any, None]:
                self.assertIs(asyncio.get_event_loop(), self.loop)
                self.assertEqual((yield from self.queue.get()), "kept")

        Case.setUpClass()
        try:
            results = [_run(Case(name)) for name in ("test_1_put", "test_2_get")]
            self.assertFalse(Case.loop.is_closed())
        finally:
            Case.tearDownClass()
            Case.doClassCleanups()
        self.assertEqual([_problems(result) for result in results], [[], []])

    def test_shared_loop_runs_normally_after_a_test_that_stopped_it_last(self) -> None:
        @aiotest.run_until_complete(loop=aiotest.current_loop)
        def test_body() -> None:
            asyncio.get_event_loop().stop()

        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        with _current(loop):
            test_body()
            # Nothing the test queued may stop the loop's next run.
            self.assertEqual(loop.run_until_complete(asyncio.sleep(0.01, "next run")), "next run")

    def test_shared_loop_survives_collected_async_cases(self) -> None:
        # A loop made current in setUpClass must stay current while finished
        # AsyncTestCase instances from earlier in the run are garbage collected.
        class Finished(aiotest.AsyncTestCase):
            async def test_nothing(self) -> None:
                pass

        finished = Finished("test_nothing")
        self.assertTrue(_run(finished).wasSuccessful())
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        with _current(loop):
            del finished
            gc.collect()
            with aiotest.current_loop() as found:
                self.assertIs(found, loop)

    def test_exception_handler_is_restored(self) -> None:
        def own_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            pass  # pragma: no cover

        @aiotest.run_forever(timeout=0, loop=aiotest.current_loop)
        async def test_body() -> None:
            self.assertIsNot(asyncio.get_running_loop().get_exception_handler(), own_handler)

        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        loop.set_exception_handler(own_handler)
        with _current(loop):
            test_body()
        self.assertIs(loop.get_exception_handler(), own_handler)


class RunForeverTest(unittest.TestCase):
    """run_forever: body, timeout, callback, sleep; whatever the loop reports fails it."""

    def test_order_and_delays(self) -> None:
        times: dict[str, float] = {}

        def stamp(step: str) -> None:
            times[step] = asyncio.get_event_loop().time()

        @aiotest.run_forever(timeout=0.05, sleep=0.05)
        def test_body() -> Generator[Any, None, Callable[[], Any]]:
            yield from asyncio.sleep(0)
            stamp("body")

            def callback() -> Generator[Any, None, None]:
                stamp("callback")
                yield from asyncio.sleep(0)
                asyncio.get_event_loop().call_later(0.01, stamp, "during sleep")

            return callback

        test_body()
        self.assertEqual(list(times), ["body", "callback", "during sleep"])
        # Generous lower bounds only: timers may fire a clock tick early.
        self.assertGreaterEqual(times["callback"] - times["body"], 0.04)

    def test_each_kind_of_callback(self) -> None:
        seen: list[str] = []

        def sync_callback() -> None:
            seen.append("sync")

        def generator_callback() -> Generator[Any, None, None]:
            yield from asyncio.sleep(0)
            seen.append("generator")

        async def coroutine_callback() -> None:
            await asyncio.sleep(0)
            seen.append("coroutine")

        def returns_awaitable() -> Any:
            return coroutine_callback()

        for callback in (sync_callback, generator_callback, coroutine_callback, returns_awaitable):

            @aiotest.run_forever(timeout=0)
            def test_body(callback: Callable[[], Any] = callback) -> Callable[[], Any]:
                return callback

            test_body()
        self.assertEqual(seen, ["sync", "generator", "coroutine", "coroutine"])

    def test_no_callback_still_waits(self) -> None:
        times: list[float] = []

        @aiotest.run_forever(timeout=0.03, sleep=0.03)
        async def test_body() -> str:
            loop = asyncio.get_running_loop()
            times.append(loop.time())
            loop.call_later(0.05, lambda: times.append(loop.time()))
            return "not callable"

        test_body()
        self.assertEqual(len(times), 2, "the loop stopped before timeout + sleep had passed")

    def test_report_without_an_exception_is_a_failure(self) -> None:
        class Case(unittest.TestCase):
            @aiotest.run_forever(timeout=0)
            async def test_it(self) -> None:
                asyncio.get_running_loop().call_exception_handler({"message": "something odd"})

        result = _run(Case("test_it"))
        self.assertEqual(result.errors, [])
        self.assertEqual(len(result.failures), 1)
        expected = LOOP_ERROR_REPORTED.format(message="something odd")
        self.assertIn(expected, result.failures[0][1])

    def test_task_exception_never_retrieved_fails_the_test(self) -> None:
        async def fails() -> None:
            raise OSError("lost in a task")

        class Case(unittest.TestCase):
            @aiotest.run_forever(timeout=0.01)
            def test_it(self) -> Generator[Any, None, None]:
                asyncio.ensure_future(fails())  # noqa: RUF006 - losing the task is the point
                yield from asyncio.sleep(0)

        result = _run(Case("test_it"))
        self.assertEqual(len(result.errors), 1, _problems(result))
        self.assertIn("OSError: lost in a task", result.errors[0][1])
        self.assertIn("in fails", result.errors[0][1])

    def test_body_error_wins_over_what_the_loop_reported(self) -> None:
        class Case(unittest.TestCase):
            @aiotest.run_forever(timeout=0)
            async def test_it(self) -> None:
                asyncio.get_running_loop().call_exception_handler({"message": "reported"})
                raise KeyError("from the body")

        result = _run(Case("test_it"))
        self.assertEqual(len(result.errors), 1)
        self.assertIn("KeyError: 'from the body'", result.errors[0][1])
        self.assertEqual(result.failures, [])

    def test_skip_from_the_callback(self) -> None:
        class Case(unittest.TestCase):
            @aiotest.run_forever(timeout=0)
            def test_it(self) -> Callable[[], None]:
                def callback() -> None:
                    raise unittest.SkipTest("not today")

                return callback

        result = _run(Case("test_it"))
        self.assertEqual(_problems(result), [])
        self.assertEqual([reason for _, reason in result.skipped], ["not today"])


if __name__ == "__main__":
    unittest.main()

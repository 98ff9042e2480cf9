"""A plain TestCase that uses the legacy decorators finds a current loop in setUpClass.

aio.testing suites wrote ``cls.loop = asyncio.get_event_loop()`` in setUpClass, or called
it in setUp. Up to Python 3.13 asyncio made that loop; from 3.14 on it raises. Each inner
suite here runs with no current loop set (in which get_event_loop() raises on every
version), so what it finds is what aiotest provides.
"""

# Legacy generator tests "yield from" coroutines, which mypy accepts only in generators
# decorated with types.coroutine: exactly what these tests show to be unnecessary.
# mypy: disable-error-code="misc"

from __future__ import annotations

import asyncio
import unittest
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import Any

import aiotest
from aiotest._compat import thread_event_loop

from .test_legacy_details import GET_EVENT_LOOP_OUTCOME, _in_fresh_interpreter


@contextmanager
def _no_current_loop() -> Iterator[None]:
    previous = thread_event_loop()
    asyncio.set_event_loop(None)
    try:
        yield
    finally:
        asyncio.set_event_loop(previous)


def _run_classes(*classes: type[unittest.TestCase]) -> unittest.TestResult:
    """Run the classes as ``python -m unittest`` would: with setUpClass and class cleanups."""
    loader = unittest.TestLoader()
    suite = unittest.TestSuite(loader.loadTestsFromTestCase(case) for case in classes)
    result = unittest.TestResult()
    with _no_current_loop():
        suite.run(result)
    return result


def _problems(result: unittest.TestResult) -> list[str]:
    return [text for _, text in result.errors + result.failures]


class SetUpClassTest(unittest.TestCase):
    def test_get_event_loop_in_set_up_class(self) -> None:
        seen: list[asyncio.AbstractEventLoop] = []

        class Case(unittest.TestCase):
            loop: asyncio.AbstractEventLoop

            @classmethod
            def setUpClass(cls) -> None:
                cls.loop = asyncio.get_event_loop()

            @aiotest.run_until_complete(loop=aiotest.current_loop)
            def test_shared(self) -> Generator[Any, None, None]:
                yield from asyncio.sleep(0)
                seen.append(asyncio.get_event_loop())

            @aiotest.run_forever(timeout=0, loop=aiotest.current_loop)
            async def test_shared_forever(self) -> None:
                seen.append(asyncio.get_running_loop())

            @aiotest.run_until_complete
            async def test_fresh(self) -> None:
                self.assertIsNot(asyncio.get_running_loop(), self.loop)
                # The fresh loop's test puts the class loop back afterwards.
                seen.append(self.loop)

        result = _run_classes(Case)
        self.assertEqual(_problems(result), [])
        self.assertEqual(result.testsRun, 3)
        self.assertEqual(seen, [Case.loop] * 3)
        self.assertTrue(Case.loop.is_closed(), "a class cleanup closes the loop")

    def test_the_same_class_without_the_decorators_is_left_alone(self) -> None:
        # The failing side: with no current loop, get_event_loop() raises on every Python.
        class Case(unittest.TestCase):
            loop: asyncio.AbstractEventLoop

            @classmethod
            def setUpClass(cls) -> None:
                cls.loop = asyncio.get_event_loop()

            def test_nothing(self) -> None:
                pass  # pragma: no cover - setUpClass fails

        own_set_up_class = Case.__dict__["setUpClass"]
        result = _run_classes(Case)
        self.assertEqual(len(result.errors), 1)
        self.assertIn("RuntimeError", result.errors[0][1])
        self.assertIs(Case.__dict__["setUpClass"], own_set_up_class)
        self.assertNotIn("__init_subclass__", Case.__dict__)

    def test_get_event_loop_in_set_up_and_the_tests(self) -> None:
        seen: list[tuple[str, asyncio.AbstractEventLoop]] = []

        class Case(unittest.TestCase):
            def setUp(self) -> None:
                seen.append(("setUp", asyncio.get_event_loop()))

            @aiotest.run_until_complete(loop=aiotest.current_loop)
            def test_one(self) -> Generator[Any, None, None]:
                yield from asyncio.sleep(0)
                seen.append(("test_one", asyncio.get_event_loop()))

            def test_undecorated(self) -> None:
                seen.append(("test_undecorated", asyncio.get_event_loop()))

        self.assertEqual(_problems(_run_classes(Case)), [])
        self.assertEqual(len(seen), 4)
        self.assertEqual(len({loop for _, loop in seen}), 1, seen)
        self.assertTrue(seen[0][1].is_closed())

    def test_a_current_open_loop_is_used_and_left_open(self) -> None:
        class Case(unittest.TestCase):
            loop: asyncio.AbstractEventLoop

            @classmethod
            def setUpClass(cls) -> None:
                cls.loop = asyncio.get_event_loop()

            @aiotest.run_until_complete(loop=aiotest.current_loop)
            async def test_it(self) -> None:
                pass

        outer = asyncio.new_event_loop()
        self.addCleanup(outer.close)
        suite = unittest.TestLoader().loadTestsFromTestCase(Case)
        result = unittest.TestResult()
        asyncio.set_event_loop(outer)
        try:
            suite.run(result)
            self.assertIs(thread_event_loop(), outer)
        finally:
            asyncio.set_event_loop(None)
        self.assertEqual(_problems(result), [])
        self.assertIs(Case.loop, outer)
        self.assertFalse(outer.is_closed())

    def test_a_closed_current_loop_is_replaced_for_the_class_and_put_back(self) -> None:
        class Case(unittest.TestCase):
            loop: asyncio.AbstractEventLoop

            @classmethod
            def setUpClass(cls) -> None:
                cls.loop = asyncio.get_event_loop()

            @aiotest.run_until_complete(loop=aiotest.current_loop)
            async def test_it(self) -> None:
                pass

        closed = asyncio.new_event_loop()
        closed.close()
        suite = unittest.TestLoader().loadTestsFromTestCase(Case)
        result = unittest.TestResult()
        asyncio.set_event_loop(closed)
        try:
            suite.run(result)
            self.assertIs(thread_event_loop(), closed)
        finally:
            asyncio.set_event_loop(None)
        self.assertEqual(_problems(result), [])
        self.assertIsNot(Case.loop, closed)

    def test_no_loop_is_current_after_the_class(self) -> None:
        class Case(unittest.TestCase):
            @aiotest.run_until_complete(loop=aiotest.current_loop)
            async def test_it(self) -> None:
                pass

        with _no_current_loop():
            result = unittest.TestResult()
            unittest.TestLoader().loadTestsFromTestCase(Case).run(result)
            self.assertIsNone(thread_event_loop())
        self.assertEqual(_problems(result), [])

    def test_never_set_stays_never_set_after_the_class(self) -> None:
        # Up to 3.13 a later get_event_loop() must still make a loop, as in a fresh run.
        untouched = _in_fresh_interpreter(GET_EVENT_LOOP_OUTCOME)
        after_a_class = _in_fresh_interpreter(
            "import asyncio, unittest, aiotest\n"
            "class Case(unittest.TestCase):\n"
            "    @classmethod\n"
            "    def setUpClass(cls):\n"
            "        cls.loop = asyncio.get_event_loop()\n"
            "    @aiotest.run_until_complete(loop=aiotest.current_loop)\n"
            "    async def test_it(self):\n"
            "        pass\n"
            "result = unittest.TestResult()\n"
            "unittest.TestLoader().loadTestsFromTestCase(Case).run(result)\n"
            "assert result.wasSuccessful() and result.testsRun == 1, result\n"
            "assert Case.loop.is_closed()\n" + GET_EVENT_LOOP_OUTCOME
        )
        self.assertEqual(after_a_class, untouched)

    def test_a_failing_set_up_class_still_closes_the_loop(self) -> None:
        made: list[asyncio.AbstractEventLoop] = []

        class Case(unittest.TestCase):
            @classmethod
            def setUpClass(cls) -> None:
                made.append(asyncio.get_event_loop())
                raise ValueError("setUpClass broke")

            @aiotest.run_until_complete
            async def test_it(self) -> None:
                pass  # pragma: no cover - setUpClass fails

        result = _run_classes(Case)
        self.assertEqual(len(result.errors), 1)
        self.assertIn("setUpClass broke", result.errors[0][1])
        self.assertTrue(made[0].is_closed())

    def test_the_class_may_make_its_own_loop_current(self) -> None:
        class Case(unittest.TestCase):
            own: asyncio.AbstractEventLoop

            @classmethod
            def setUpClass(cls) -> None:
                cls.own = asyncio.new_event_loop()
                asyncio.set_event_loop(cls.own)

            @classmethod
            def tearDownClass(cls) -> None:
                cls.own.close()

            @aiotest.run_until_complete(loop=aiotest.current_loop)
            async def test_it(self) -> None:
                self.assertIs(asyncio.get_running_loop(), self.own)

        with _no_current_loop():
            result = unittest.TestResult()
            unittest.TestLoader().loadTestsFromTestCase(Case).run(result)
            # It left its own loop current: that is the class's business, not undone.
            self.assertIs(thread_event_loop(), Case.own)
        self.assertEqual(_problems(result), [])

    def test_set_up_class_keeps_its_name_docstring_and_super_calls(self) -> None:
        calls: list[str] = []

        class Base(unittest.TestCase):
            @classmethod
            def setUpClass(cls) -> None:
                calls.append(f"Base for {cls.__name__}")

        class Case(Base):
            @classmethod
            def setUpClass(cls) -> None:
                """Set up the class."""
                super().setUpClass()
                calls.append("Case")

            @aiotest.run_until_complete
            async def test_it(self) -> None:
                pass

        self.assertEqual(Case.setUpClass.__name__, "setUpClass")
        self.assertEqual(Case.setUpClass.__doc__, "Set up the class.")
        self.assertEqual(_problems(_run_classes(Case)), [])
        self.assertEqual(calls, ["Base for Case", "Case"])


class InheritanceTest(unittest.TestCase):
    def test_subclass_with_its_own_set_up_class(self) -> None:
        class Base(unittest.TestCase):
            loop: asyncio.AbstractEventLoop

            @aiotest.run_until_complete(loop=aiotest.current_loop)
            def test_inherited(self) -> Generator[Any, None, None]:
                yield from asyncio.sleep(0)
                self.assertIs(asyncio.get_event_loop(), self.loop)

        class Case(Base):
            loop: asyncio.AbstractEventLoop

            @classmethod
            def setUpClass(cls) -> None:
                cls.loop = asyncio.get_event_loop()

        result = _run_classes(Case)
        self.assertEqual(_problems(result), [])
        self.assertEqual(result.testsRun, 1)
        self.assertTrue(Case.loop.is_closed())

    def test_mixin_holding_the_decorated_tests(self) -> None:
        class Mixin:
            loop: asyncio.AbstractEventLoop

            @aiotest.run_until_complete(loop=aiotest.current_loop)
            async def test_from_the_mixin(self) -> None:
                assert asyncio.get_running_loop() is self.loop

        class Case(Mixin, unittest.TestCase):
            @classmethod
            def setUpClass(cls) -> None:
                cls.loop = asyncio.get_event_loop()

        self.assertEqual(_problems(_run_classes(Case)), [])
        self.assertTrue(Case.loop.is_closed())

    def test_a_class_defining_init_subclass_keeps_it(self) -> None:
        made: list[str] = []

        class Base(unittest.TestCase):
            def __init_subclass__(cls, **kwargs: Any) -> None:
                super().__init_subclass__(**kwargs)
                made.append(cls.__name__)

            @aiotest.run_until_complete(loop=aiotest.current_loop)
            async def test_it(self) -> None:
                pass

        class Case(Base):
            loop: asyncio.AbstractEventLoop

            @classmethod
            def setUpClass(cls) -> None:
                cls.loop = asyncio.get_event_loop()

        self.assertEqual(made, ["Case"])
        self.assertEqual(_problems(_run_classes(Case)), [])

    def test_async_cases_keep_their_own_loop(self) -> None:
        for base in (unittest.IsolatedAsyncioTestCase, aiotest.AsyncTestCase):
            with self.subTest(base=base.__name__):

                class Case(base):  # type: ignore[valid-type]
                    @aiotest.run_until_complete
                    async def test_it(self) -> None:
                        pass

                self.assertNotIn("setUpClass", Case.__dict__)
                self.assertNotIn("__init_subclass__", Case.__dict__)
                self.assertEqual(_problems(_run_classes(Case)), [])


if __name__ == "__main__":
    unittest.main()

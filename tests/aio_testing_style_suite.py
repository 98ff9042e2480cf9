"""A suite written the way aio.testing's README taught, with only the import changed.

tests/test_legacy_compat.py runs it in a fresh interpreter, as a user's suite would run;
the name keeps it out of discovery.
"""

# Legacy generator tests "yield from" coroutines, which mypy accepts only in generators
# decorated with types.coroutine: exactly what this suite shows to be unnecessary.
# mypy: disable-error-code="misc"

from __future__ import annotations

import asyncio
import unittest
from collections.abc import Callable, Generator
from typing import Any

import aiotest


class ExampleTestCase(unittest.TestCase):
    @aiotest.run_until_complete
    def test_example(self) -> Generator[Any, None, None]:
        yield from asyncio.sleep(0.02)

    @aiotest.run_until_complete
    def test_yield_from_a_future(self) -> Generator[Any, Any, None]:
        loop = asyncio.get_event_loop()
        future = loop.create_future()
        loop.call_later(0.01, future.set_result, "done")
        result = yield from future
        self.assertEqual(result, "done")


class FutureTestCase(unittest.TestCase):
    @aiotest.run_forever(timeout=0.05)
    def test_example(self) -> Generator[Any, None, Callable[[], Any]]:
        yield from asyncio.sleep(0.02)

        def callback_test() -> Generator[Any, None, None]:
            yield from asyncio.sleep(0.02)

        # called 0.05 seconds after being returned
        return callback_test

    @aiotest.run_forever(timeout=0.02, sleep=0.02)
    def test_example_with_sleep(self) -> Generator[Any, None, Callable[[], Any]]:
        started = asyncio.get_event_loop().time()
        yield from asyncio.sleep(0.01)

        def callback_test() -> Generator[Any, None, None]:
            yield from asyncio.sleep(0.01)
            self.assertGreater(asyncio.get_event_loop().time(), started)

        return callback_test


class MyTestCase(unittest.TestCase):
    loop: asyncio.AbstractEventLoop

    @classmethod
    def setUpClass(cls) -> None:
        cls.loop = asyncio.get_event_loop()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.loop.close()

    @aiotest.run_until_complete(loop=aiotest.current_loop)
    def test_example(self) -> Generator[Any, None, None]:
        yield from asyncio.sleep(0.02)
        self.assertEqual(asyncio.get_event_loop(), MyTestCase.loop)

    @aiotest.run_forever(timeout=0.01, loop=aiotest.current_loop)
    def test_example_forever(self) -> Generator[Any, None, None]:
        yield from asyncio.sleep(0.01)
        self.assertEqual(asyncio.get_event_loop(), MyTestCase.loop)


class SetUpTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self.loop = asyncio.get_event_loop()

    @aiotest.run_until_complete(loop=aiotest.current_loop)
    def test_set_up_loop(self) -> Generator[Any, None, None]:
        yield from asyncio.sleep(0.01)
        self.assertIs(asyncio.get_event_loop(), self.loop)


class LoopTestBase(unittest.TestCase):
    loop: asyncio.AbstractEventLoop

    @classmethod
    def setUpClass(cls) -> None:
        cls.loop = asyncio.get_event_loop()


class SubTestCase(LoopTestBase):
    @aiotest.run_until_complete(loop=aiotest.current_loop)
    def test_subclass(self) -> Generator[Any, None, None]:
        yield from asyncio.sleep(0.01)
        self.assertIs(asyncio.get_event_loop(), SubTestCase.loop)


if __name__ == "__main__":
    unittest.main()

"""Services: started in order before each test, stopped in reverse after it (get_services)."""

from __future__ import annotations

import asyncio
import unittest
from collections.abc import Sequence
from typing import Any

import aiotest
from aiotest._services import ServiceGroup
from tests._support import run_case


class Recorder:
    def __init__(self, events: list[str], name: str, *, fail: bool = False) -> None:
        self.events = events
        self.name = name
        self.fail = fail

    async def start(self) -> None:
        self.events.append(f"start {self.name}")
        if self.fail:
            raise OSError(f"{self.name} could not start")

    async def stop(self) -> None:
        self.events.append(f"stop {self.name}")


class GetServicesTest(unittest.TestCase):
    def make_case(self, events: list[str], failing: str = "") -> type[aiotest.AsyncTestCase]:
        class Case(aiotest.AsyncTestCase):
            def get_services(self) -> Sequence[Any]:
                return [Recorder(events, name, fail=name == failing) for name in ("a", "b", "c")]

            async def asyncSetUp(self) -> None:
                events.append("asyncSetUp")

            async def test_it(self) -> None:
                events.append("test")

            async def test_fails(self) -> None:
                events.append("test")
                self.fail("on purpose")

        return Case

    def test_started_after_async_setup_and_stopped_in_reverse(self) -> None:
        events: list[str] = []
        result = run_case(self.make_case(events), "test_it")
        self.assertTrue(result.wasSuccessful(), result.errors)
        self.assertEqual(
            events,
            ["asyncSetUp", "start a", "start b", "start c", "test", "stop c", "stop b", "stop a"],
        )

    def test_stopped_when_the_test_fails(self) -> None:
        events: list[str] = []
        result = run_case(self.make_case(events), "test_fails")
        self.assertEqual(len(result.failures), 1)
        self.assertEqual(events[-3:], ["stop c", "stop b", "stop a"])

    def test_failing_start_stops_those_started(self) -> None:
        events: list[str] = []
        result = run_case(self.make_case(events, failing="b"), "test_it")
        self.assertEqual(len(result.errors), 1)
        self.assertIn("OSError: b could not start", result.errors[0][1])
        self.assertEqual(events, ["asyncSetUp", "start a", "start b", "stop a"])

    def test_no_services_by_default(self) -> None:
        self.assertEqual(aiotest.AsyncTestCase.get_services(aiotest.AsyncTestCase()), ())


class ServiceGroupTest(unittest.TestCase):
    def test_refuses_an_object_without_async_start_and_stop(self) -> None:
        with self.assertRaisesRegex(TypeError, r"has no async start\(\)"):
            ServiceGroup([object()])

    def test_every_service_stopped_when_one_stop_fails(self) -> None:
        events: list[str] = []

        class BadStop(Recorder):
            async def stop(self) -> None:
                await super().stop()
                raise RuntimeError("stop failed")

        group = ServiceGroup([Recorder(events, "a"), BadStop(events, "b")])

        async def scenario() -> None:
            await group.start()
            with self.assertRaisesRegex(RuntimeError, "stop failed"):
                await group.stop()

        asyncio.run(scenario())
        self.assertEqual(events, ["start a", "start b", "stop b", "stop a"])


class StartEventService:
    """aiomisc's protocol without aiomisc: set_loop() makes start_event; start() may run on."""

    def __init__(self, events: list[str], *, fail_after_ready: bool = False) -> None:
        self.events = events
        self.fail_after_ready = fail_after_ready

    def set_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self.start_event = asyncio.Event()

    async def start(self) -> None:
        self.events.append("start")
        self.start_event.set()
        if self.fail_after_ready:
            await asyncio.sleep(0.001)
            raise ConnectionError("lost the connection after starting")
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.events.append("start cancelled")
            raise

    async def stop(self) -> None:
        self.events.append("stop")


class StartEventTest(unittest.TestCase):
    def test_a_start_that_runs_on_is_cancelled_after_stop(self) -> None:
        events: list[str] = []
        group = ServiceGroup([StartEventService(events)])

        async def scenario() -> None:
            await group.start()
            events.append("test")
            await group.stop()

        asyncio.run(scenario())
        self.assertEqual(events, ["start", "test", "stop", "start cancelled"])

    def test_a_start_that_fails_after_it_was_ready_fails_the_stop(self) -> None:
        events: list[str] = []
        group = ServiceGroup([StartEventService(events, fail_after_ready=True)])

        async def scenario() -> None:
            await group.start()
            await asyncio.sleep(0.05)
            with self.assertRaisesRegex(ConnectionError, "lost the connection"):
                await group.stop()

        asyncio.run(scenario())
        self.assertEqual(events, ["start", "stop"])


if __name__ == "__main__":
    unittest.main()

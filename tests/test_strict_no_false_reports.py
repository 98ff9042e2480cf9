"""510 clean, varied strict tests: strict mode must not report a single leak or error.

Each pattern is code that closes what it opens, written the ways real suites write it; a
false report from any guard fails this test with the report's text.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import unittest
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web

import aiotest

from ._support import echo_websocket, problems

TOTAL_TESTS = 510


async def hi(request: web.Request) -> web.Response:
    return web.Response(text="hi")


async def json_echo(request: web.Request) -> web.Response:
    return web.json_response(await request.json())


def application() -> web.Application:
    app = web.Application()
    app.router.add_get("/", hi)
    app.router.add_post("/json", json_echo)
    app.router.add_get("/ws", echo_websocket)
    return app


class Patterns(aiotest.AioHTTPTestCase):
    """The patterns, one method each; the generated tests call them in turn."""

    strict = True

    async def get_application(self) -> web.Application:
        return application()

    async def get_request(self) -> None:
        async with self.client.get("/") as response:
            assert await response.text() == "hi"

    async def awaited_request(self) -> None:
        response = await self.client.get("/")
        assert response.status == 200
        await response.release()

    async def post_json(self) -> None:
        async with self.client.post("/json", json={"n": 1}) as response:
            assert await response.json() == {"n": 1}

    async def websocket_round_trip(self) -> None:
        async with self.client.ws_connect("/ws") as websocket:
            await websocket.send_str("ping")
            assert (await websocket.receive()).data == "ping"

    async def own_session(self) -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.get(self.client.make_url("/")) as response,
        ):
            assert response.status == 200

    async def task_awaited(self) -> None:
        task = asyncio.ensure_future(asyncio.sleep(0, "done"))
        assert await task == "done"

    async def tasks_gathered(self) -> None:
        results = await asyncio.gather(*(asyncio.sleep(0, n) for n in range(5)))
        assert results == list(range(5))

    async def task_cancelled_and_awaited(self) -> None:
        task = asyncio.ensure_future(asyncio.sleep(3600))
        await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def executor_job(self) -> None:
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, sum, [1, 2]) == 3

    async def wait_for_in_time(self) -> None:
        assert await asyncio.wait_for(asyncio.sleep(0, 1), 5) == 1

    async def raw_stream(self) -> None:
        reader, writer = await asyncio.open_connection(self.server.host, self.server.port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert (await reader.read()).startswith(b"HTTP/1.1 200")
        writer.close()
        await writer.wait_closed()

    async def second_server(self) -> None:
        server = aiotest.TestServer(application())
        client = aiotest.TestClient(server)
        async with client, client.get("/") as response:
            assert response.status == 200

    async def expected_client_error(self) -> None:
        async with self.client.get("/missing") as response:
            assert response.status == 404

    async def async_generator_closed(self) -> None:
        async def numbers() -> object:
            for n in range(3):
                yield n

        generator = numbers()
        assert [n async for n in generator] == [0, 1, 2]  # type: ignore[attr-defined]

    async def cleanup_registered(self) -> None:
        session = aiohttp.ClientSession()
        self.addAsyncCleanup(session.close)
        async with session.get(self.client.make_url("/")) as response:
            assert response.status == 200

    async def event_waited(self) -> None:
        event = asyncio.Event()
        asyncio.get_running_loop().call_soon(event.set)
        await event.wait()

    async def queue_consumer(self) -> None:
        queue: asyncio.Queue[int] = asyncio.Queue()

        async def consume() -> int:
            return await queue.get()

        consumer = asyncio.ensure_future(consume())
        await queue.put(7)
        assert await consumer == 7


PATTERNS = [
    name
    for name, value in vars(Patterns).items()
    if asyncio.iscoroutinefunction(value) and not name.startswith(("get_", "test"))
]


Pattern = Callable[[Patterns], Awaitable[None]]


def _test_of(pattern: Pattern) -> Pattern:
    @functools.wraps(pattern)
    async def test(self: Patterns) -> None:
        await pattern(self)

    return test


def generated_case() -> type[Patterns]:
    """The 510 tests, made here so that discovery does not run them on their own too."""
    tests = {
        f"test_{index:03}_{PATTERNS[index % len(PATTERNS)]}": _test_of(
            getattr(Patterns, PATTERNS[index % len(PATTERNS)])
        )
        for index in range(TOTAL_TESTS)
    }
    return type("Generated", (Patterns,), tests)


class NoFalseReportsTest(unittest.TestCase):
    def test_clean_strict_tests_report_nothing(self) -> None:
        result = unittest.TestResult()
        unittest.defaultTestLoader.loadTestsFromTestCase(generated_case()).run(result)
        self.assertEqual(result.testsRun, TOTAL_TESTS)
        self.assertEqual(problems(result), [])


if __name__ == "__main__":
    unittest.main()

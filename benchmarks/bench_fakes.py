"""What one outbound request costs: a running TestServer, a fake host, aiotest.aioresponses.

Each contender serves the same small JSON body to a ClientSession, N requests in a row,
best of R interleaved rounds, in CPU time of the process (everything runs on one thread,
so it is the cost of a request, steady when other work shares the machine) and in
wall-clock time; aioresponses 0.7.9 is measured too when it is installed (it needs
aiohttp older than 3.14). Run: ``python benchmarks/bench_fakes.py [--requests N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import time
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web

import aiotest

URL = "http://api.example.com/v1/item"
Body = {"id": 1, "name": "item"}


async def item(request: web.Request) -> web.Response:
    return web.json_response(Body)


def app() -> web.Application:
    application = web.Application()
    application.router.add_get("/v1/item", item)
    return application


async def fetch_all(session: aiohttp.ClientSession, url: str, n: int) -> tuple[float, float]:
    """Seconds per request: CPU time of the process, and wall-clock time."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        async with session.get(url) as response:
            assert await response.json() == Body
    return (time.process_time() - cpu) / n, (time.perf_counter() - wall) / n


async def test_server(n: int) -> tuple[float, float]:
    async with aiotest.TestServer(app()) as server, aiohttp.ClientSession() as session:
        return await fetch_all(session, str(server.make_url("/v1/item")), n)


async def fake_host(n: int) -> tuple[float, float]:
    async with aiotest.fake_host("http://api.example.com", app), aiohttp.ClientSession() as s:
        return await fetch_all(s, URL, n)


async def aiotest_aioresponses(n: int) -> tuple[float, float]:
    async with aiohttp.ClientSession() as session:
        with aiotest.aioresponses() as m:
            m.get(URL, payload=Body, repeat=True)
            return await fetch_all(session, URL, n)


async def library_aioresponses(n: int) -> tuple[float, float]:
    from aioresponses import aioresponses

    async with aiohttp.ClientSession() as session:
        with aioresponses() as m:
            m.get(URL, payload=Body, repeat=True)
            return await fetch_all(session, URL, n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    contenders: dict[str, Callable[[int], Awaitable[tuple[float, float]]]] = {
        "request to a running aiotest TestServer": test_server,
        "aiotest.fake_host": fake_host,
        "aiotest.aioresponses": aiotest_aioresponses,
    }
    try:
        import aioresponses  # noqa: F401
    except ImportError:
        pass
    else:
        contenders["aioresponses (the library)"] = library_aioresponses
    print(f"Python {platform.python_version()}, aiohttp {aiohttp.__version__}")
    # Rounds are interleaved (each contender once per round), so that a change in the
    # machine's load during the run weighs on every contender alike.
    best: dict[str, tuple[float, float]] = {}
    failed: dict[str, str] = {}
    for _ in range(options.rounds):
        for name, contender in contenders.items():
            if name in failed:
                continue
            try:
                cpu, wall = asyncio.run(contender(options.requests))
            except Exception as exc:  # a contender that cannot run here is reported, not fatal
                failed[name] = f"{type(exc).__name__}: {exc}"
                continue
            best_cpu, best_wall = best.get(name, (cpu, wall))
            best[name] = (min(cpu, best_cpu), min(wall, best_wall))
    for name in contenders:
        if name in failed:
            print(f"{name:45} failed: {failed[name]}")
        else:
            cpu, wall = best[name]
            print(f"{name:45} {cpu * 1e6:6.0f} µs CPU {wall * 1e6:6.0f} µs wall per request")


if __name__ == "__main__":
    main()

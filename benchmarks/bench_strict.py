"""What strict mode costs: per test, against strict off, and on test 5,000 against test 1.

Runs one-request AioHTTPTestCase tests in this process, with a heap the size of a real
suite's (``--ballast`` live objects, 200,000 by default), and prints:

- the median ms per test with strict off and on, from alternating rounds, and their ratio
  (target: at most 1.3);
- with strict on, the ms per test of the first and of the last 1,000 tests of a 5,000-test
  run, and their ratio (target: at most 1.2).

    python benchmarks/bench_strict.py [--tests 5000] [--ballast 200000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
import unittest

from aiohttp import web

import aiotest


async def hello(request: web.Request) -> web.Response:
    return web.Response(text="Hello, world")


class OneRequest(aiotest.AioHTTPTestCase):
    async def get_application(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", hello)
        return app

    async def test_get(self) -> None:
        async with self.client.get("/") as response:
            assert response.status == 200
            await response.text()


class StrictOneRequest(OneRequest):
    strict = True


def run(case: type[unittest.TestCase], count: int) -> list[float]:
    """Run ``count`` tests of ``case``; return the seconds each took."""
    times: list[float] = []
    result = unittest.TestResult()
    for _ in range(count):
        test = case("test_get")
        started = time.perf_counter()
        test.run(result)
        times.append(time.perf_counter() - started)
    if not result.wasSuccessful():
        raise SystemExit(f"a benchmark test failed: {(result.failures + result.errors)[0][1]}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=5000)
    parser.add_argument("--ballast", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    # Live, gc-tracked objects, as a real suite's imports and fixtures leave them.
    ballast = [{"n": n} for n in range(args.ballast)]

    run(OneRequest, 50)  # warm up
    off: list[float] = []
    on: list[float] = []
    for _ in range(args.rounds):
        off.append(statistics.median(run(OneRequest, 200)))
        on.append(statistics.median(run(StrictOneRequest, 200)))
    off_ms, on_ms = statistics.median(off) * 1000, statistics.median(on) * 1000
    print(f"heap ballast: {len(ballast):,} live objects")
    print(f"strict off: {off_ms:.3f} ms per test; strict on: {on_ms:.3f} ms per test")
    print(f"strict on / off: {on_ms / off_ms:.2f} (target <= 1.30)")

    times = run(StrictOneRequest, args.tests)
    block = min(1000, args.tests // 5)
    first = statistics.mean(times[:block]) * 1000
    last = statistics.mean(times[-block:]) * 1000
    print(
        f"strict, {args.tests:,} tests: first {block:,}: {first:.3f} ms per test, "
        f"last {block:,}: {last:.3f} ms per test"
    )
    print(f"last / first: {last / first:.2f} (target <= 1.20)")


if __name__ == "__main__":
    main()

"""What virtual time costs: long sleeps and a back-off retry loop, measured in real time.

Run on demand::

    python benchmarks/bench_clock.py                # 200 tests per suite, 5 repetitions
    python benchmarks/bench_clock.py --tests 500 --repeats 7

Three measurements, each the median over the repetitions, in this process with unittest's
own machinery:

- one test that does ``await asyncio.sleep(3600)`` on virtual time (target: < 0.1 s);
- one test of a retry loop whose pause doubles up to 10 minutes, against a real test
  server that fails the first 5 attempts, checking the attempt times (target: < 0.5 s);
- a suite of N such retry tests on virtual time, against the same suite with the sleeps
  removed on asyncio's own loop (target: at most 1.2 times as long).

The exit status is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import unittest
from typing import Any

from aiohttp import web

import aiotest

FAILURES = 5
FIRST_PAUSE = 37.5  # doubles to 600 s, ten minutes, before the last attempt
EXPECTED = [0, 37.5, 112.5, 262.5, 562.5, 1162.5]


def _retry_case(virtual: bool, sleeps: bool) -> type[aiotest.AioHTTPTestCase]:
    class Retry(aiotest.AioHTTPTestCase):
        if virtual:
            loop_factory = aiotest.virtual_loop_factory()

        async def get_application(self) -> web.Application:
            self.attempts: list[float] = []

            async def flaky(request: web.Request) -> web.Response:
                self.attempts.append(asyncio.get_running_loop().time())
                if len(self.attempts) <= FAILURES:
                    return web.Response(status=503)
                return web.Response(text="ok")

            app = web.Application()
            app.router.add_get("/", flaky)
            return app

        async def test_retry(self) -> None:
            pause = FIRST_PAUSE
            while True:
                response = await self.client.get("/")
                if response.status == 200:
                    break
                await asyncio.sleep(pause if sleeps else 0)
                pause = min(pause * 2, 600)
            self.assertEqual(len(self.attempts), FAILURES + 1)
            if sleeps:
                first = self.attempts[0]
                self.assertEqual([round(at - first, 3) for at in self.attempts], EXPECTED)

    return Retry


class _Hour(aiotest.AsyncTestCase):
    loop_factory = aiotest.virtual_loop_factory()

    async def test_hour(self) -> None:
        start = asyncio.get_running_loop().time()
        await asyncio.sleep(3600)
        self.assertEqual(asyncio.get_running_loop().time() - start, 3600)


def _run(case: type[unittest.TestCase], name: str, count: int) -> float:
    methods: dict[str, Any] = {f"test_{i:05d}": getattr(case, name) for i in range(count)}
    suite_class = type(f"Bench{case.__name__}", (case,), methods)
    # Only the copies run: the original method is inherited but not collected.
    suite = unittest.TestSuite(suite_class(method) for method in methods)
    result = unittest.TestResult()
    started = time.perf_counter()
    suite.run(result)
    elapsed = time.perf_counter() - started
    if not result.wasSuccessful() or result.testsRun != count:
        problems = [text for _, text in result.errors + result.failures]
        raise SystemExit(f"{case.__name__}: the benchmark's tests failed:\n" + "\n".join(problems))
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=200, help="tests per suite (200)")
    parser.add_argument("--repeats", type=int, default=5, help="repetitions (5)")
    args = parser.parse_args(argv)

    virtual = _retry_case(virtual=True, sleeps=True)
    no_sleep = _retry_case(virtual=False, sleeps=False)
    virtual_no_sleep = _retry_case(virtual=True, sleeps=False)
    _run(virtual, "test_retry", 3)  # warm-up: imports, first sessions
    _run(no_sleep, "test_retry", 3)

    hour, retry, suite, baseline, own = [], [], [], [], []
    for _ in range(args.repeats):
        hour.append(_run(_Hour, "test_hour", 1))
        retry.append(_run(virtual, "test_retry", 1))
        suite.append(_run(virtual, "test_retry", args.tests))
        baseline.append(_run(no_sleep, "test_retry", args.tests))
        own.append(_run(virtual_no_sleep, "test_retry", args.tests))

    rows = [
        ("sleep(3600), one test", statistics.median(hour), 0.1),
        ("retry, back-off to 600 s, one test", statistics.median(retry), 0.5),
    ]
    ratio = statistics.median(suite) / statistics.median(baseline)
    print(f"Python {sys.version.split()[0]}, {args.repeats} repetitions, medians")
    for label, seconds, limit in rows:
        verdict = "ok" if seconds < limit else "MISSED"
        print(f"  {label:<40} {seconds * 1000:8.1f} ms  (target < {limit * 1000:.0f} ms) {verdict}")
    print(f"  {args.tests} retry tests on virtual time        {statistics.median(suite):8.3f} s")
    print(f"  same, sleeps removed, asyncio's loop    {statistics.median(baseline):8.3f} s")
    print(f"  same, sleeps removed, virtual time      {statistics.median(own):8.3f} s")
    verdict = "ok" if ratio <= 1.2 else "MISSED"
    print(f"  ratio with sleeps / without             {ratio:8.2f}x (target <= 1.20x) {verdict}")
    missed = any(seconds >= limit for _, seconds, limit in rows) or ratio > 1.2
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

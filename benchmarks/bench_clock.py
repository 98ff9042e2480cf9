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
  removed on asyncio's own loop (target: at most 1.2 times as long); once with the test
  client's pooled session, once with a connection per attempt. The pooled session's
  connector checks its pool every 15 s while a connection waits there, so the twenty
  virtual minutes of one test run aiohttp's check about 78 times, as twenty real minutes
  would: that work is the application's, not the clock's.

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

import aiohttp
from aiohttp import web

import aiotest

FAILURES = 5
FIRST_PAUSE = 37.5  # doubles to 600 s, ten minutes, before the last attempt
EXPECTED = [0, 37.5, 112.5, 262.5, 562.5, 1162.5]


def _retry_case(virtual: bool, sleeps: bool, pooled: bool = True) -> type[aiotest.AioHTTPTestCase]:
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

        async def _get(self, session: aiohttp.ClientSession) -> int:
            async with session.get(self.client.make_url("/")) as response:
                return response.status

        async def test_retry(self) -> None:
            pause = FIRST_PAUSE
            # Pooled: the test client's session, whose connector checks its pool every 15 s
            # while a connection waits there. Not pooled: a connection per attempt.
            connector = None if pooled else aiohttp.TCPConnector(force_close=True)
            session = self.client.session if pooled else aiohttp.ClientSession(connector=connector)
            try:
                while await self._get(session) != 200:
                    await asyncio.sleep(pause if sleeps else 0)
                    pause = min(pause * 2, 600)
            finally:
                if not pooled:
                    await session.close()
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

    suites = {
        pooled: (
            _retry_case(virtual=True, sleeps=True, pooled=pooled),
            _retry_case(virtual=False, sleeps=False, pooled=pooled),
            _retry_case(virtual=True, sleeps=False, pooled=pooled),
        )
        for pooled in (True, False)
    }
    for cases in suites.values():
        for case in cases:
            _run(case, "test_retry", 3)  # warm-up: imports, first sessions

    hour, retry = [], []
    times: dict[tuple[bool, int], list[float]] = {}
    for _ in range(args.repeats):
        hour.append(_run(_Hour, "test_hour", 1))
        retry.append(_run(suites[True][0], "test_retry", 1))
        for pooled, cases in suites.items():
            for index, case in enumerate(cases):
                times.setdefault((pooled, index), []).append(_run(case, "test_retry", args.tests))

    rows = [
        ("sleep(3600), one test", statistics.median(hour), 0.1),
        ("retry, back-off to 600 s, one test", statistics.median(retry), 0.5),
    ]
    print(f"Python {sys.version.split()[0]}, {args.repeats} repetitions, medians")
    missed = False
    for label, seconds, limit in rows:
        verdict = "ok" if seconds < limit else "MISSED"
        missed |= seconds >= limit
        print(f"  {label:<44} {seconds * 1000:8.1f} ms  (target < {limit * 1000:.0f} ms) {verdict}")
    for pooled in (True, False):
        with_sleeps, baseline, own = (statistics.median(times[pooled, i]) for i in range(3))
        ratio = with_sleeps / baseline
        verdict = "ok" if ratio <= 1.2 else "MISSED"
        missed |= ratio > 1.2
        kind = "test client's pooled session" if pooled else "a connection per attempt"
        print(f"  {args.tests} retry tests, {kind}:")
        print(f"    on virtual time                            {with_sleeps:8.3f} s")
        print(f"    sleeps removed, asyncio's loop             {baseline:8.3f} s")
        print(f"    sleeps removed, virtual time               {own:8.3f} s")
        label = "ratio with sleeps / without"
        print(f"    {label:<42} {ratio:8.2f}x (target <= 1.20x) {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

"""What a legacy decorator costs per test, apart from the timeout and sleep it is asked for.

Run on demand::

    python benchmarks/bench_legacy.py            # 300 tests per row, 7 repetitions
    python benchmarks/bench_legacy.py --tests 1000 --limit-ms 3

Each row runs a suite of N identical, almost empty tests in this process with unittest's
own machinery and reports the median time of one test. A decorated test on a plain
TestCase is compared with the same test undecorated; one inside AsyncTestCase with the
same test written as ``async def``. The overhead column is the difference: the loop made,
run and closed for the test, and the decorator's own work. ``run_forever`` rows use
``timeout=0, sleep=0``, so no waiting is counted. The exit status is 1 when an overhead
exceeds ``--limit-ms``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import unittest
from collections.abc import Callable, Generator
from typing import Any

import aiotest


def _sync_body(self: unittest.TestCase) -> None:
    self.assertTrue(True)


async def _async_body(self: unittest.TestCase) -> None:
    await asyncio.sleep(0)
    self.assertTrue(True)


def _generator_body(self: unittest.TestCase) -> Generator[Any, None, None]:
    yield from asyncio.sleep(0)  # type: ignore[misc]  # legacy style, as in the suites served
    self.assertTrue(True)


def _forever_body(self: unittest.TestCase) -> Generator[Any, None, Callable[[], Any]]:
    yield from asyncio.sleep(0)  # type: ignore[misc]  # legacy style, as in the suites served

    def callback() -> None:
        self.assertTrue(True)

    return callback


def _suite(
    base: type[unittest.TestCase], body: Callable[..., Any], count: int
) -> unittest.TestSuite:
    """A suite of ``count`` copies of ``body`` as test methods of one class."""
    methods = {f"test_{index:05d}": body for index in range(count)}
    case_class = type(f"Bench{base.__name__}", (base,), methods)
    return unittest.defaultTestLoader.loadTestsFromTestCase(case_class)


class _SharedLoopCase(unittest.TestCase):
    """Provides the current loop that ``loop=aiotest.current_loop`` rows run on."""

    loop: asyncio.AbstractEventLoop

    @classmethod
    def setUpClass(cls) -> None:
        cls.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(cls.loop)

    @classmethod
    def tearDownClass(cls) -> None:
        asyncio.set_event_loop(None)
        cls.loop.close()


# (row label, base class, test body, label of the row it is compared with)
ROWS: list[tuple[str, type[unittest.TestCase], Callable[..., Any], str | None]] = [
    ("TestCase, plain def (baseline)", unittest.TestCase, _sync_body, None),
    (
        "TestCase, @run_until_complete async def",
        unittest.TestCase,
        aiotest.run_until_complete(_async_body),
        "TestCase, plain def (baseline)",
    ),
    (
        "TestCase, @run_until_complete generator",
        unittest.TestCase,
        aiotest.run_until_complete(_generator_body),
        "TestCase, plain def (baseline)",
    ),
    (
        "TestCase, @run_forever(timeout=0) + callback",
        unittest.TestCase,
        aiotest.run_forever(timeout=0)(_forever_body),
        "TestCase, plain def (baseline)",
    ),
    (
        "TestCase, loop=current_loop generator",
        _SharedLoopCase,
        aiotest.run_until_complete(loop=aiotest.current_loop)(_generator_body),
        "TestCase, plain def (baseline)",
    ),
    ("AsyncTestCase, async def (baseline)", aiotest.AsyncTestCase, _async_body, None),
    (
        "AsyncTestCase, @run_until_complete generator",
        aiotest.AsyncTestCase,
        aiotest.run_until_complete(_generator_body),
        "AsyncTestCase, async def (baseline)",
    ),
    (
        "AsyncTestCase, @run_forever(timeout=0) + callback",
        aiotest.AsyncTestCase,
        aiotest.run_forever(timeout=0)(_forever_body),
        "AsyncTestCase, async def (baseline)",
    ),
]


def _time_per_test(suite_factory: Callable[[], unittest.TestSuite], count: int) -> float:
    suite = suite_factory()
    result = unittest.TestResult()
    started = time.perf_counter()
    suite.run(result)
    elapsed = time.perf_counter() - started
    if not result.wasSuccessful() or result.testsRun != count:
        problems = [text for _, text in result.errors + result.failures]
        raise SystemExit("benchmark suite failed:\n" + "\n".join(problems))
    return elapsed / count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tests", type=int, default=300, help="tests per suite (300)")
    parser.add_argument("--repeat", type=int, default=7, help="repetitions per row (7)")
    parser.add_argument(
        "--limit-ms", type=float, default=5.0, help="largest acceptable overhead (5 ms)"
    )
    options = parser.parse_args(argv)

    samples: dict[str, list[float]] = {label: [] for label, *_ in ROWS}
    # Rows alternate within each repetition; the first repetition only warms up.
    for repetition in range(options.repeat + 1):
        for label, base, body, _ in ROWS:

            def make_suite(base: type[unittest.TestCase] = base, body: Any = body) -> Any:
                return _suite(base, body, options.tests)

            seconds = _time_per_test(make_suite, options.tests)
            if repetition:
                samples[label].append(seconds)

    medians = {label: statistics.median(values) * 1000 for label, values in samples.items()}
    width = max(len(label) for label in medians)
    print(f"Python {sys.version.split()[0]}, {options.tests} tests x {options.repeat} runs")
    print(f"{'test':<{width}}  {'ms/test':>8}  {'overhead ms':>11}")
    worst = 0.0
    for label, _, _, baseline in ROWS:
        overhead = "" if baseline is None else f"{medians[label] - medians[baseline]:11.3f}"
        if baseline is not None:
            worst = max(worst, medians[label] - medians[baseline])
        print(f"{label:<{width}}  {medians[label]:8.3f}  {overhead:>11}")
    verdict = "within" if worst <= options.limit_ms else "OVER"
    print(f"largest overhead: {worst:.3f} ms per test ({verdict} the {options.limit_ms} ms limit)")
    return 0 if worst <= options.limit_ms else 1


if __name__ == "__main__":
    sys.exit(main())

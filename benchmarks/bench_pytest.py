"""Time aiotest's pytest plugin against pytest-aiohttp on the same pytest suites, side by side.

::

    python benchmarks/bench_pytest.py               # 200 tests per shape, 5 repetitions
    python benchmarks/bench_pytest.py --tests 500 --repeats 7

Both contenders run the very modules that benchmarks/run.py generates for pytest-aiohttp
(``async def test_n(aiohttp_client)``, the four shapes): pytest-aiohttp with
pytest-asyncio in auto mode, aiotest with ``-p aiotest.pytest_plugin -p no:aiohttp -p
no:asyncio``. The time of one test is the wall time of a run of N tests minus that of a run
of one test, divided by N - 1, so pytest's own per-test cost is counted and its start-up is
not. Contenders alternate within each repetition; the first repetition only warms caches.
"""

from __future__ import annotations

import argparse
import pathlib
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from _sources import AIOTEST_PYTEST_INI, PYTEST_INI, PYTEST_PLUGIN_ARGS, SHAPES, module_source
from run import _environment

HERE = pathlib.Path(__file__).resolve().parent
GENERATED = HERE / "_generated" / "pytest_plugins"

#: contender -> (ini file, plugin arguments)
CONTENDERS = {
    "pytest-aiohttp": (PYTEST_INI, PYTEST_PLUGIN_ARGS["pytest-aiohttp"]),
    "aiotest plugin": (AIOTEST_PYTEST_INI, PYTEST_PLUGIN_ARGS["aiotest-pytest"]),
}

#: aiotest's plugin must be at least this many times faster per test than pytest-aiohttp.
TARGET = 2.0


def _run(directory: pathlib.Path, plugins: tuple[str, ...], module: str) -> float:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugins, module]
    # The environment of benchmarks/run.py: bytecode caching on, as most users have it
    # (without it, each run rewrites and compiles every test module again, a cost the
    # same for both contenders that makes their ratio look closer to 1 than it is).
    env = _environment("pytest-aiohttp")
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=directory, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"{' '.join(command)} in {directory} exited with {done.returncode}")
    return elapsed


def run(tests: int, repeats: int) -> dict[tuple[str, str], float]:
    """Median seconds per test for each (contender, shape)."""
    shutil.rmtree(GENERATED, ignore_errors=True)
    for contender, (ini, _) in CONTENDERS.items():
        directory = GENERATED / contender.replace(" ", "_")
        directory.mkdir(parents=True)
        (directory / "pytest.ini").write_text(ini)
        for shape in SHAPES:
            (directory / f"bench_{shape}.py").write_text(
                module_source("pytest-aiohttp", shape, tests)
            )
            (directory / f"bench_{shape}_one.py").write_text(
                module_source("pytest-aiohttp", shape, 1)
            )
    samples: dict[tuple[str, str], list[float]] = {}
    for repetition in range(repeats + 1):
        for shape in SHAPES:
            for contender, (_, plugins) in CONTENDERS.items():
                directory = GENERATED / contender.replace(" ", "_")
                one = _run(directory, plugins, f"bench_{shape}_one.py")
                full = _run(directory, plugins, f"bench_{shape}.py")
                if repetition:
                    per_test = (full - one) / (tests - 1)
                    samples.setdefault((contender, shape), []).append(per_test)
    return {key: statistics.median(values) for key, values in samples.items()}


def table(result: dict[tuple[str, str], float]) -> str:
    lines = [f"{'shape':<12}{'pytest-aiohttp':>18}{'aiotest plugin':>18}{'ratio':>9}"]
    ratios = []
    for shape in SHAPES:
        theirs = result[("pytest-aiohttp", shape)]
        ours = result[("aiotest plugin", shape)]
        ratios.append(theirs / ours)
        lines.append(
            f"{shape:<12}{theirs * 1000:>15.2f} ms{ours * 1000:>15.2f} ms{theirs / ours:>8.1f}x"
        )
    verdict = "met" if min(ratios) >= TARGET else "NOT met"
    lines.append(f"target: pytest-aiohttp / aiotest plugin >= {TARGET} on every shape: {verdict}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=200, help="tests per shape (default 200)")
    parser.add_argument("--repeats", type=int, default=5, help="counted repetitions (default 5)")
    args = parser.parse_args()
    print(table(run(args.tests, args.repeats)))


if __name__ == "__main__":
    main()

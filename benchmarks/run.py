"""Benchmark aiotest against aiohttp.test_utils and pytest-aiohttp, the way their users run them.

One command runs everything::

    python benchmarks/run.py                  # speed: every contender, every shape
    python benchmarks/run.py --mode resources # 5,000 tests in one process: fds, threads, RSS
    python benchmarks/run.py --mode parallel  # pytest -n 2 and unittest-parallel -j 2
    python benchmarks/run.py --write docs/benchmark_results.inc   # all three, as in the docs

Each contender's suite is generated into ``benchmarks/_generated/`` and run in a subprocess:
``python -m unittest`` for the test case classes, ``pytest`` for pytest-aiohttp and for
aiotest's pytest plugin. The time of
one test is the wall time of a run of N tests minus that of a run of one test of the same
kind, divided by N - 1: interpreter start, imports and one-time setup (the first client
session, a class-scoped server) are left out. Before the counted repetitions, an untimed
warm-up runs each one-test module once and writes the bytecode of each N-test module, as a
user's second run finds it. Contenders alternate within each repetition; the table shows
the minimum, median and maximum of the repetitions, and the ratios compare medians.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import json
import operator
import os
import pathlib
import platform
import py_compile
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from _sources import (
    AIOTEST_PYTEST_INI,
    CONTENDERS,
    PYTEST_INI,
    PYTEST_PLUGIN_ARGS,
    SHAPES,
    module_source,
)

HERE = pathlib.Path(__file__).resolve().parent
GENERATED = HERE / "_generated"
PROBE = HERE / "_probe.py"

# Variables that would change how a contender runs; the benchmark sets its own.
# Bytecode caching stays on (PYTHONDONTWRITEBYTECODE goes), as for most users: otherwise
# every run would compile the generated modules again, a cost no contender's users pay.
_SCRUBBED_ENV = (
    "AIOTEST_LOOP",
    "AIOTEST_TIMEOUT",
    "AIOTEST_STRICT",
    "PYTHONASYNCIODEBUG",
    "PYTHONDEVMODE",
    "PYTHONWARNINGS",
    "PYTEST_ADDOPTS",
    "PYTHONTRACEMALLOC",
    "PYTHONDONTWRITEBYTECODE",
)

# What aiotest promises about its speed: (numerator, comparison, bound, denominator), read
# as "numerator / denominator <comparison> bound" on the medians of one run.
TARGETS = (
    ("aiotest", "<=", 1.2, "isolation-floor"),
    ("aiohttp.test_utils", ">=", 5.0, "aiotest"),
    ("aiohttp.test_utils-nodebug", ">", 1.0, "aiotest"),
    ("aiotest-class", "<=", 1.5, "warm"),
    ("pytest-aiohttp", ">=", 2.0, "aiotest-pytest"),
)
_COMPARISONS = {"<=": operator.le, ">=": operator.ge, ">": operator.gt}


def _environment(contender: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _SCRUBBED_ENV}
    if contender == "aiotest-uvloop":
        env["AIOTEST_LOOP"] = "uvloop"
    # The generated modules are found through the working directory, never the repository.
    env.pop("PYTHONPATH", None)
    return env


def _command(contender: str, module: str) -> list[str]:
    if contender in PYTEST_PLUGIN_ARGS:
        plugin = PYTEST_PLUGIN_ARGS[contender]
        return [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *plugin,
            f"{module}.py",
        ]
    return [sys.executable, "-m", "unittest", "-q", module]


def _write(directory: pathlib.Path, name: str, text: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text)


def _run(
    command: Sequence[str], cwd: pathlib.Path, env: dict[str, str], ok: Sequence[int]
) -> float:
    """Run ``command``, return its wall time; fail loudly if it did not pass."""
    return _run_timed(command, cwd, env, ok)[0]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run_timed(
    command: Sequence[str], cwd: pathlib.Path, env: dict[str, str], ok: Sequence[int]
) -> tuple[float, float]:
    """Run ``command``; return its wall time and the CPU time (user + system) it used."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    # Runs are one at a time, so what the finished children used grew by this run's share.
    cpu = _children_cpu() - cpu_before
    if done.returncode not in ok:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"{' '.join(command)} in {cwd} exited with {done.returncode}")
    return elapsed, cpu


@dataclasses.dataclass
class SpeedResult:
    """Seconds per test of every counted repetition, for each (contender, shape)."""

    tests: int
    repeats: int
    clock: str
    samples: dict[tuple[str, str], list[float]]

    def median(self, contender: str, shape: str) -> float | None:
        values = self.samples.get((contender, shape))
        return statistics.median(values) if values else None

    def ratio(self, numerator: str, denominator: str, shape: str) -> float | None:
        """``numerator``'s median over ``denominator``'s, or None when either is missing."""
        top = self.median(numerator, shape)
        bottom = self.median(denominator, shape)
        if top is None or bottom is None or bottom <= 0:
            return None
        return top / bottom


def run_speed(
    contenders: Sequence[str], shapes: Sequence[str], tests: int, repeats: int, clock: str
) -> SpeedResult:
    """Time every contender on every shape, alternating contenders, ``repeats`` times.

    ``clock`` is "wall" (elapsed time) or "cpu" (the CPU time the test process used, which
    other work on a busy machine disturbs far less, but which leaves out any waiting).
    """
    pick = 0 if clock == "wall" else 1
    root = GENERATED / "speed"
    shutil.rmtree(root, ignore_errors=True)
    for contender in contenders:
        directory = root / contender.replace(".", "_")
        ini = AIOTEST_PYTEST_INI if contender in ("aiotest-pytest", "pytest-floor") else PYTEST_INI
        _write(directory, "pytest.ini", ini)
        for shape in shapes:
            _write(directory, f"bench_{shape}.py", module_source(contender, shape, tests))
            _write(directory, f"bench_{shape}_one.py", module_source(contender, shape, 1))
    for shape in shapes:
        for contender in contenders:
            _warm_up(contender, shape, root / contender.replace(".", "_"))
    print("speed: warm-up done", file=sys.stderr)
    samples: dict[tuple[str, str], list[float]] = {}
    for repetition in range(repeats):
        # Rotating the order spreads slow phases of the machine over every contender.
        shift = repetition % len(contenders)
        order = list(contenders[shift:]) + list(contenders[:shift])
        for shape in shapes:
            for contender in order:
                directory = root / contender.replace(".", "_")
                env = _environment(contender)
                one = _run_timed(_command(contender, f"bench_{shape}_one"), directory, env, (0,))
                full = _run_timed(_command(contender, f"bench_{shape}"), directory, env, (0,))
                one, full = one[pick], full[pick]
                samples.setdefault((contender, shape), []).append((full - one) / (tests - 1))
        print(f"speed: repetition {repetition + 1}/{repeats} done", file=sys.stderr)
    return SpeedResult(tests=tests, repeats=repeats, clock=clock, samples=samples)


def _warm_up(contender: str, shape: str, directory: pathlib.Path) -> None:
    """Untimed: run the one-test module once and write the N-test module's bytecode."""
    env = _environment(contender)
    _run(_command(contender, f"bench_{shape}_one"), directory, env, (0,))
    if contender in PYTEST_PLUGIN_ARGS:
        # pytest keeps its assertion-rewritten bytecode under a name of its own: collecting
        # the module writes it without running a test.
        _run([*_command(contender, f"bench_{shape}"), "--collect-only"], directory, env, (0,))
    else:
        py_compile.compile(str(directory / f"bench_{shape}.py"), doraise=True)


def run_resources(tests: int) -> dict[str, object]:
    """Run ``tests`` aiotest tests in one process and return what _probe.py measured."""
    directory = GENERATED / "resources"
    shutil.rmtree(directory, ignore_errors=True)
    per_shape = tests // len(SHAPES)
    for shape in SHAPES:
        count = per_shape + (tests - per_shape * len(SHAPES) if shape == SHAPES[0] else 0)
        _write(directory, f"test_{shape}.py", module_source("aiotest", shape, count))
    command = [sys.executable, str(PROBE), str(directory)]
    done = subprocess.run(
        command, env=_environment("aiotest"), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"the resources probe exited with {done.returncode}")
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def generate_parallel_suite(directory: pathlib.Path, tests: int, modules: int = 20) -> None:
    """Write ``tests`` aiotest tests spread over ``modules`` modules, every shape included."""
    shutil.rmtree(directory, ignore_errors=True)
    _write(directory, "pytest.ini", PYTEST_INI)
    per_module = tests // modules
    for index in range(modules):
        count = per_module + (tests - per_module * modules if index == 0 else 0)
        shape = SHAPES[index % len(SHAPES)]
        _write(directory, f"test_{shape}_{index:02d}.py", module_source("aiotest", shape, count))


PARALLEL_RUNS = {
    "unittest": ["-m", "unittest", "discover", "-q", "-s", ".", "-t", "."],
    "unittest-parallel -j 2": ["-m", "unittest_parallel", "-q", "-j", "2", "-s", ".", "-t", "."],
    "pytest": ["-m", "pytest", "-q", "-p", "no:cacheprovider", "."],
    "pytest -n 2": ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "."],
}


def run_parallel(tests: int, repeats: int) -> dict[str, float]:
    """Return the median wall time of the generated suite under each runner."""
    directory = GENERATED / "parallel"
    generate_parallel_suite(directory, tests)
    samples: dict[str, list[float]] = {}
    env = _environment("aiotest")
    for repetition in range(repeats + 1):
        for name, arguments in PARALLEL_RUNS.items():
            elapsed = _run([sys.executable, *arguments], directory, env, (0,))
            if repetition:
                samples.setdefault(name, []).append(elapsed)
    return {name: statistics.median(values) for name, values in samples.items()}


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine_description() -> str:
    """One line naming the machine, the OS and the versions that were measured."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = ", ".join(
        f"{name} {_version(name)}"
        for name in ("aiotest-unittest", "aiohttp", "uvloop", "pytest", "pytest-aiohttp")
    )
    return (
        f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; "
        f"CPython {platform.python_version()}; {versions}"
    )


def _list_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = [f".. list-table:: {title}", "   :header-rows: 1", ""]
    for row in [header, *rows]:
        lines.append(f"   * - {row[0]}")
        lines.extend(f"     - {cell}" for cell in row[1:])
    return "\n".join(lines) + "\n"


def _speed_cell(result: SpeedResult, contender: str, shape: str) -> str:
    values = result.samples.get((contender, shape))
    if not values:
        return "-"
    low, middle, high = (
        value * 1e3 for value in (min(values), statistics.median(values), max(values))
    )
    cell = f"{low:.3f} / {middle:.3f} / {high:.3f}"
    ratio = result.ratio(contender, "aiotest", shape)
    return cell if ratio is None else f"{cell} ({ratio:.2f}x)"


def speed_tables(result: SpeedResult, contenders: Sequence[str], shapes: Sequence[str]) -> str:
    """The per-test times, their ratios to aiotest, and the targets, as reStructuredText."""
    rows = [[name, *(_speed_cell(result, name, shape) for shape in shapes)] for name in contenders]
    text = _list_table(
        f"Milliseconds ({result.clock} time) per test, min / median / max over "
        f"{result.repeats} runs of "
        f"{result.tests} tests (in brackets: median relative to aiotest's)",
        ["contender", *shapes],
        rows,
    )
    target_rows = []
    for numerator, comparison, bound, denominator in TARGETS:
        cells = [f"{numerator} / {denominator} {comparison} {bound:g}"]
        for shape in shapes:
            value = result.ratio(numerator, denominator, shape)
            if value is None:
                cells.append("-")
            else:
                met = _COMPARISONS[comparison](value, bound)
                cells.append(f"{value:.2f} {'met' if met else 'MISSED'}")
        target_rows.append(cells)
    text += "\n" + _list_table(
        "Targets (ratios from the same run)", ["target", *shapes], target_rows
    )
    return text


def resources_table(report: dict[str, object]) -> str:
    """The resources probe's snapshots as reStructuredText."""
    snapshots = report["snapshots"]
    assert isinstance(snapshots, dict)
    rows = [
        [name, str(value["fds"]), str(value["threads"]), f"{value['rss_kib'] / 1024:.1f}"]
        for name, value in snapshots.items()
    ]
    text = _list_table(
        f"{report['tests']} aiotest tests in one process",
        ["when", "open fds", "threads", "RSS (MiB)"],
        rows,
    )
    text += (
        f"\nResourceWarnings: {report['resource_warnings']}; asyncio/aiohttp error logs: "
        f"{report['error_logs']}; tests run: {report['tests_run']}, "
        f"failures+errors: {report['problems']}.\n"
    )
    return text


def parallel_table(times: dict[str, float], tests: int) -> str:
    """Wall times of the generated suite per runner, with the speedup of the parallel ones."""
    rows = []
    for name, seconds in times.items():
        serial = times["pytest" if name.startswith("pytest") else "unittest"]
        rows.append([name, f"{seconds:.2f}", f"{serial / seconds:.2f}x"])
    return _list_table(
        f"{tests} aiotest tests, wall time of the whole run",
        ["runner", "seconds", "speedup"],
        rows,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run the chosen modes and print (or write) the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--mode",
        choices=("speed", "resources", "parallel", "all"),
        help="what to measure (default: speed, or all with --write)",
    )
    parser.add_argument("--tests", type=int, default=1000, help="tests per speed run")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="speed mode: elapsed time, or the test process's CPU time (for busy machines)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="counted repetitions")
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--contenders", default=",".join(CONTENDERS))
    parser.add_argument("--resource-tests", type=int, default=5000)
    parser.add_argument("--parallel-tests", type=int, default=2000)
    parser.add_argument("--write", type=pathlib.Path, help="also write the tables to this file")
    args = parser.parse_args(argv)
    if args.mode is None:
        # The results file in the docs holds every table: writing it measures everything.
        args.mode = "all" if args.write is not None else "speed"
    shapes = [shape for shape in args.shapes.split(",") if shape]
    contenders = [name for name in args.contenders.split(",") if name]
    if args.tests < 2:
        parser.error("--tests must be at least 2: one run of one test is the baseline")
    for name in contenders:
        if name not in CONTENDERS:
            parser.error(f"unknown contender {name!r}; known: {', '.join(CONTENDERS)}")
    for shape in shapes:
        if shape not in SHAPES:
            parser.error(f"unknown shape {shape!r}; known: {', '.join(SHAPES)}")
    load_before = os.getloadavg()[0]
    sections = []
    if args.mode in ("speed", "all"):
        result = run_speed(contenders, shapes, args.tests, args.repeats, args.clock)
        sections.append(speed_tables(result, contenders, shapes))
    if args.mode in ("resources", "all"):
        sections.append(resources_table(run_resources(args.resource_tests)))
    if args.mode in ("parallel", "all"):
        times = run_parallel(args.parallel_tests, args.repeats)
        sections.append(parallel_table(times, args.parallel_tests))
    # How busy the machine was tells how far the figures can be trusted.
    load_after = os.getloadavg()[0]
    load = f"load average (1 minute) {load_before:.1f} at the start, {load_after:.1f} at the end"
    sections.insert(0, f"Measured on: {machine_description()}; {load}.\n")
    text = "\n".join(sections)
    print(text)
    if args.write is not None:
        args.write.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Count the instructions one test costs, for each unittest contender, under valgrind.

::

    python benchmarks/bench_instructions.py               # every shape, 100 tests
    python benchmarks/bench_instructions.py --shapes get --tests 200
    python benchmarks/bench_instructions.py --write docs/benchmark_instructions.inc

Wall and CPU time of a one-millisecond test vary by a third from run to run on a shared
machine; the number of instructions the process executes does not (it varies by about 1%).
Each contender's module from ``benchmarks/_sources.py`` runs twice in-process under
``valgrind --tool=callgrind``, once with 10 tests and once with 10 + N; the difference
divided by N is the cost of one test, interpreter start and imports left out. The counts
include the garbage collector's work and every thread's, and leave out the time spent in
the kernel (system calls): aiotest makes the same system calls per test as the isolation
floor, give or take the two that install and restore its Ctrl-C handler.

valgrind is a development tool, not a dependency: without it the script says so and stops.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import textwrap

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from _sources import SHAPES, module_source

HERE = pathlib.Path(__file__).resolve().parent
GENERATED = HERE / "_generated" / "instructions"
BASE_TESTS = 10

#: The unittest contenders, and aiotest with strict mode on (the cost of its checks).
CONTENDERS = (
    "aiotest",
    "aiotest-strict",
    "aiotest-class",
    "aiohttp.test_utils",
    "aiohttp.test_utils-nodebug",
    "isolation-floor",
    "warm",
)

#: (numerator, bound, denominator): "numerator / denominator" is held to ``bound``.
TARGETS = (
    ("aiotest", "<= 1.2", "isolation-floor"),
    ("aiohttp.test_utils", ">= 5", "aiotest"),
    ("aiohttp.test_utils-nodebug", "> 1", "aiotest"),
    ("aiotest-class", "<= 1.5", "warm"),
    ("aiotest-strict", "<= 1.3", "aiotest"),
)

RUNNER = textwrap.dedent(
    """
    import io, sys, unittest
    sys.path.insert(0, {directory!r})
    module = __import__({module!r})
    suites = unittest.defaultTestLoader.loadTestsFromModule(module)
    tests = max(suites, key=lambda suite: suite.countTestCases())._tests[: {count}]
    result = unittest.TextTestRunner(stream=io.StringIO()).run(unittest.TestSuite(tests))
    sys.exit(0 if result.wasSuccessful() else 1)
    """
)

VALGRIND_MISSING = (
    "valgrind is not installed: this benchmark counts instructions with "
    "valgrind --tool=callgrind (install valgrind, or use benchmarks/run.py --clock cpu)"
)


def _module(contender: str, shape: str, count: int) -> str:
    if contender == "aiotest-strict":
        source = module_source("aiotest", shape, count)
        marker = "class BenchTest(AioHTTPTestCase):"
        return source.replace(marker, marker + "\n    strict = True\n", 1)
    return module_source(contender, shape, count)


def _instructions(module: str, count: int) -> int:
    code = RUNNER.format(directory=str(GENERATED), module=module, count=count)
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    done = subprocess.run(
        [*command, sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"{module} with {count} tests failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def _met(ratio: float, bound: str) -> bool:
    comparison, value = bound.split()
    limit = float(value)
    return {"<=": ratio <= limit, ">=": ratio >= limit, ">": ratio > limit}[comparison]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=100, help="tests counted per contender")
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--write", help="also write the tables (reStructuredText) to this file")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit(VALGRIND_MISSING)
    shapes = args.shapes.split(",")
    GENERATED.mkdir(parents=True, exist_ok=True)
    costs: dict[tuple[str, str], float] = {}
    for shape in shapes:
        for contender in CONTENDERS:
            module = f"m_{contender.replace('.', '_').replace('-', '_')}_{shape}"
            total = BASE_TESTS + args.tests
            (GENERATED / f"{module}.py").write_text(_module(contender, shape, total))
            few = _instructions(module, BASE_TESTS)
            many = _instructions(module, total)
            costs[contender, shape] = (many - few) / args.tests
            print(f"{contender:28} {shape:10} {costs[contender, shape] / 1e6:7.3f} M")
    print()
    print("Millions of instructions per test")
    print(f"{'contender':28}" + "".join(f"{shape:>12}" for shape in shapes))
    for contender in CONTENDERS:
        row = "".join(f"{costs[contender, shape] / 1e6:12.3f}" for shape in shapes)
        print(f"{contender:28}{row}")
    print()
    print("Targets (ratios of instruction counts)")
    for numerator, bound, denominator in TARGETS:
        cells = []
        for shape in shapes:
            ratio = costs[numerator, shape] / costs[denominator, shape]
            cells.append(f"{ratio:5.2f} {'met' if _met(ratio, bound) else 'MISSED':6}")
        print(f"{numerator} / {denominator} {bound}: " + "  ".join(cells))
    if args.write:
        pathlib.Path(args.write).write_text(_rst(costs, shapes, args.tests))


def _rst(costs: dict[tuple[str, str], float], shapes: list[str], tests: int) -> str:
    """The two tables of docs/speed.rst: instructions per test, and the targets."""
    head = ["   * - contender", *(f"     - {shape}" for shape in shapes)]
    lines = [
        f"Measured with ``python benchmarks/bench_instructions.py --tests {tests}``, on the"
        " machine and versions named above.",
        "",
        f".. list-table:: Millions of instructions per test ({BASE_TESTS} + {tests} tests"
        f" minus {BASE_TESTS}, divided by {tests})",
        "   :header-rows: 1",
        "",
        *head,
    ]
    for contender in CONTENDERS:
        lines.append(f"   * - {contender}")
        lines += [f"     - {costs[contender, shape] / 1e6:.3f}" for shape in shapes]
    lines += [
        "",
        ".. list-table:: Targets, as ratios of the instruction counts above",
        "   :header-rows: 1",
        "",
        "   * - target",
        *(f"     - {shape}" for shape in shapes),
    ]
    for numerator, bound, denominator in TARGETS:
        lines.append(f"   * - {numerator} / {denominator} {bound}")
        for shape in shapes:
            ratio = costs[numerator, shape] / costs[denominator, shape]
            lines.append(f"     - {ratio:.2f} {'met' if _met(ratio, bound) else 'MISSED'}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

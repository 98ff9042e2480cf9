"""Suites of aiotest tests pass under the parallel runners users already have.

A generated suite of 2,000 tests (every shape of test, per-test and class-scoped servers)
runs under ``pytest -n 2`` (pytest-xdist) and ``unittest-parallel -j 2``, each in a
subprocess, and so do the project's examples. Every server binds port 0, so two workers
can never collide on a port; a collision would fail the run.
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import pickle
import re
import subprocess
import sys
import tempfile
import unittest
from types import ModuleType

from aiohttp import web

import aiotest

from ._support import ResultAssertions, make_app

ROOT = pathlib.Path(__file__).resolve().parent.parent
SUITE_TESTS = 2000
MODULES = 20

MISSING_TOOLS = (
    "pytest-xdist and unittest-parallel are test dependencies (tox installs them): "
    "pip install pytest-xdist unittest-parallel"
)


def _load_benchmark_sources() -> ModuleType:
    """benchmarks/_sources.py, whose application the generated suite tests too."""
    path = ROOT / "benchmarks" / "_sources.py"
    spec = importlib.util.spec_from_file_location("benchmark_sources", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: The application every generated module tests: the benchmark's own, not a copy of it.
_APP: str = _load_benchmark_sources().APP

_CLASS_HEAD = """
import aiotest


class Generated(aiotest.AioHTTPTestCase):
    server_scope = "{scope}"

    async def get_application(self):
        return make_app(with_hooks=True)
"""

_TESTS = (
    """
    async def test_{n}_get(self):
        async with self.client.get("/") as response:
            self.assertEqual(await response.text(), "hello")
""",
    """
    async def test_{n}_post_json(self):
        async with self.client.post("/echo", json={{"n": {n}}}) as response:
            self.assertEqual(await response.json(), {{"n": {n}}})
""",
    """
    async def test_{n}_websocket(self):
        async with self.client.ws_connect("/ws") as websocket:
            await websocket.send_str("ping")
            self.assertEqual((await websocket.receive()).data, "ping")
""",
    """
    async def test_{n}_startup(self):
        async with self.client.get("/ready") as response:
            self.assertEqual(await response.text(), "ready")
""",
)


def write_suite(directory: pathlib.Path, tests: int = SUITE_TESTS, modules: int = MODULES) -> None:
    """Write ``tests`` tests over ``modules`` modules; every third module is class-scoped."""
    per_module = tests // modules
    for index in range(modules):
        count = per_module + (tests - per_module * modules if index == 0 else 0)
        scope = "class" if index % 3 == 2 else "test"
        parts = [_APP, _CLASS_HEAD.format(scope=scope)]
        parts.extend(_TESTS[n % len(_TESTS)].format(n=n) for n in range(count))
        (directory / f"test_generated_{index:02d}.py").write_text("".join(parts))
    (directory / "pytest.ini").write_text("[pytest]\n")


def _have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.pop("AIOTEST_TIMEOUT", None)
    return env


def run_tool(arguments: list[str], cwd: pathlib.Path) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGUMENTS`` in ``cwd``; return what it printed."""
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def pytest_parallel(path: pathlib.Path, *extra: str) -> list[str]:
    return ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", *extra, str(path)]


def unittest_parallel(start: pathlib.Path, *extra: str) -> list[str]:
    return ["-m", "unittest_parallel", "-j", "2", "-s", str(start), "-t", str(start), *extra]


def passed_count(output: str) -> int:
    """The number of passed tests in a pytest summary line."""
    found = re.search(r"(\d+) passed", output)
    return int(found.group(1)) if found else 0


def ran_count(output: str) -> int:
    """The number of tests in unittest's "Ran N tests" line."""
    found = re.search(r"Ran (\d+) tests?", output)
    return int(found.group(1)) if found else 0


@unittest.skipUnless(_have("xdist") and _have("unittest_parallel"), MISSING_TOOLS)
class GeneratedSuiteTest(unittest.TestCase):
    """The generated 2,000-test suite, once per runner."""

    directory: pathlib.Path
    _temporary: tempfile.TemporaryDirectory[str]

    @classmethod
    def setUpClass(cls) -> None:
        cls._temporary = tempfile.TemporaryDirectory()
        cls.directory = pathlib.Path(cls._temporary.name)
        write_suite(cls.directory)

    @classmethod
    def tearDownClass(cls) -> None:
        cls._temporary.cleanup()

    def test_pytest_xdist_with_two_workers(self) -> None:
        done = run_tool(pytest_parallel(self.directory), self.directory)
        output = done.stdout + done.stderr
        self.assertEqual(done.returncode, 0, output[-5000:])
        self.assertEqual(passed_count(output), SUITE_TESTS, output[-2000:])
        self.assertNotIn("ResourceWarning", output)

    def test_unittest_parallel_with_two_workers(self) -> None:
        done = run_tool(unittest_parallel(self.directory), self.directory)
        output = done.stdout + done.stderr
        self.assertEqual(done.returncode, 0, output[-5000:])
        self.assertEqual(ran_count(output), SUITE_TESTS, output[-2000:])
        self.assertNotIn("ResourceWarning", output)

    def test_a_failing_test_fails_the_parallel_run(self) -> None:
        # The other side: the runners do report a failure from a worker.
        with tempfile.TemporaryDirectory() as name:
            directory = pathlib.Path(name)
            write_suite(directory, tests=8, modules=2)
            broken = directory / "test_generated_01.py"
            expected = 'self.assertEqual(await response.text(), "hello")'
            broken.write_text(
                broken.read_text().replace(expected, expected.replace('"hello"', '"bye"'))
            )
            for arguments in (pytest_parallel(directory), unittest_parallel(directory)):
                with self.subTest(runner=arguments[1]):
                    done = run_tool(arguments, directory)
                    output = done.stdout + done.stderr
                    self.assertNotEqual(done.returncode, 0, output)
                    self.assertIn("AssertionError: 'hello' != 'bye'", output)


@unittest.skipUnless(_have("xdist") and _have("unittest_parallel"), MISSING_TOOLS)
class ExamplesTest(unittest.TestCase):
    """The example app's suite and the docs examples, under both parallel runners."""

    def test_examples_under_pytest_xdist(self) -> None:
        done = run_tool(pytest_parallel(ROOT / "examples"), ROOT)
        output = done.stdout + done.stderr
        self.assertEqual(done.returncode, 0, output[-5000:])
        self.assertGreater(passed_count(output), 0, output[-2000:])

    def test_examples_under_unittest_parallel(self) -> None:
        done = run_tool(unittest_parallel(ROOT / "examples"), ROOT)
        output = done.stdout + done.stderr
        self.assertEqual(done.returncode, 0, output[-5000:])
        self.assertGreater(ran_count(output), 0, output[-2000:])

    def test_docs_examples_under_pytest_xdist(self) -> None:
        docs = ROOT / "docs" / "examples"
        done = run_tool(pytest_parallel(docs, "-o", "python_files=*.py"), docs)
        output = done.stdout + done.stderr
        self.assertEqual(done.returncode, 0, output[-5000:])
        self.assertGreater(passed_count(output), 0, output[-2000:])

    def test_docs_examples_under_unittest_parallel(self) -> None:
        docs = ROOT / "docs" / "examples"
        done = run_tool(unittest_parallel(docs, "-p", "*.py"), docs)
        output = done.stdout + done.stderr
        self.assertEqual(done.returncode, 0, output[-5000:])
        self.assertGreater(ran_count(output), 0, output[-2000:])


class RequestTest(aiotest.AioHTTPTestCase):
    """An ordinary aiotest test, also sent through pickle by PicklingTest."""

    async def get_application(self) -> web.Application:
        return make_app()

    async def test_request(self) -> None:
        async with self.client.get("/") as response:
            self.assertEqual(await response.text(), "Hello, world")


class PicklingTest(ResultAssertions):
    """unittest-parallel sends tests to its workers pickled; aiotest's tests survive that."""

    def test_a_pickled_test_still_runs(self) -> None:
        test = pickle.loads(pickle.dumps(RequestTest("test_request")))
        result = unittest.TestResult()
        unittest.TestSuite([test]).run(result)
        self.assertPassed(result)

    def test_each_copy_gets_its_own_context(self) -> None:
        original = RequestTest("test_request")
        copy = pickle.loads(pickle.dumps(original))
        if sys.version_info >= (3, 11):
            self.assertIsNot(copy._asyncioTestContext, original._asyncioTestContext)
        self.assertEqual(copy._testMethodName, "test_request")

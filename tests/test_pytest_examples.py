"""The pytest example suites (docs/pytest_examples, examples/pytest_notes_app.py) pass."""

from __future__ import annotations

import ast
import importlib.util
import os
import pathlib
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS_EXAMPLES = ROOT / "docs" / "pytest_examples"
NOTES_SUITE = ROOT / "examples" / "pytest_notes_app.py"


def test_functions(path: pathlib.Path) -> int:
    """How many test functions the module defines (parametrize not counted)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sum(
        isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")
        for node in tree.body
    )


def run(*args: str | pathlib.Path, cwd: pathlib.Path) -> dict[str, bool]:
    """Run pytest on ``args`` in ``cwd``; return each test's name and whether it passed."""
    with tempfile.TemporaryDirectory() as tmp:
        return _run(args, cwd, pathlib.Path(tmp) / "report.xml")


def _run(
    args: tuple[str | pathlib.Path, ...], cwd: pathlib.Path, report: pathlib.Path
) -> dict[str, bool]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "AIOTEST_"))}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:aiohttp",
            "-p",
            "no:asyncio",
            "-W",
            "error",
            f"--junitxml={report}",
            *map(str, args),
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        failed = any(child.tag in ("failure", "error", "skipped") for child in case)
        outcomes[f"{case.get('classname')}.{case.get('name')}"] = not failed
    return outcomes


@unittest.skipUnless(importlib.util.find_spec("pytest"), "pytest is not installed here")
class PytestExamplesTest(unittest.TestCase):
    def test_docs_examples_pass(self) -> None:
        outcomes = run(DOCS_EXAMPLES, cwd=DOCS_EXAMPLES)
        expected = sum(test_functions(path) for path in DOCS_EXAMPLES.glob("test_*.py"))
        self.assertGreater(expected, 0)
        # Each test function ran, once per parameter set where it is parametrized.
        functions = {name.split("[")[0] for name in outcomes}
        self.assertEqual(len(functions), expected, outcomes)
        self.assertEqual([name for name, ok in outcomes.items() if not ok], [])

    def test_notes_app_suite_passes(self) -> None:
        outcomes = run("-p", "aiotest.pytest_plugin", NOTES_SUITE, cwd=NOTES_SUITE.parent)
        self.assertGreaterEqual(len(outcomes), test_functions(NOTES_SUITE))
        self.assertEqual([name for name, ok in outcomes.items() if not ok], [])


if __name__ == "__main__":
    unittest.main()

"""Every code example in docs/examples runs here, so the docs cannot drift from the code."""

from __future__ import annotations

import importlib.util
import pathlib
import unittest

from ._support import problems

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "docs" / "examples"


def _load_tests(path: pathlib.Path) -> unittest.TestSuite:
    spec = importlib.util.spec_from_file_location(f"docs_example_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return unittest.defaultTestLoader.loadTestsFromModule(module)


class DocsExamplesTest(unittest.TestCase):
    def test_examples_exist(self) -> None:
        self.assertTrue(sorted(EXAMPLES.glob("*.py")), f"no examples in {EXAMPLES}")

    def test_every_example_passes(self) -> None:
        for path in sorted(EXAMPLES.glob("*.py")):
            with self.subTest(example=path.name):
                suite = _load_tests(path)
                self.assertGreater(suite.countTestCases(), 0, f"{path.name} defines no tests")
                result = unittest.TestResult()
                suite.run(result)
                reports = problems(result)
                self.assertEqual(reports, [], f"{path.name} failed:\n" + "\n".join(reports))
                self.assertEqual(result.testsRun, suite.countTestCases())

"""The migration guide's "before" suite really is an aiohttp.test_utils suite."""

from __future__ import annotations

import pathlib
import types
import unittest

SWAP_EXAMPLE = (
    pathlib.Path(__file__).resolve().parent.parent / "docs" / "examples" / "migrating_swap.py"
)
AIOTEST_IMPORT = "from aiotest import "
AIOHTTP_IMPORT = "from aiohttp.test_utils import "


class SwapExampleTest(unittest.TestCase):
    def test_the_example_differs_from_the_original_by_its_import_only(self) -> None:
        source = SWAP_EXAMPLE.read_text(encoding="utf-8")
        self.assertEqual(source.count(AIOTEST_IMPORT), 1)
        line_nine = source.splitlines()[8]
        self.assertTrue(
            line_nine.startswith(AIOTEST_IMPORT), "migrating_aiohttp.rst highlights line 9"
        )
        self.assertNotIn("aiotest", source.replace(AIOTEST_IMPORT, ""))
        original = source.replace(AIOTEST_IMPORT, AIOHTTP_IMPORT)
        module = types.ModuleType("migrating_swap_original")
        exec(compile(original, "migrating_swap_original.py", "exec"), module.__dict__)
        suite = unittest.defaultTestLoader.loadTestsFromModule(module)
        self.assertGreater(suite.countTestCases(), 0)
        result = unittest.TestResult()
        suite.run(result)
        self.assertEqual(result.errors + result.failures, [])
        self.assertEqual(result.testsRun, suite.countTestCases())

"""The migration guide's "before" suite really is an aiohttp.test_utils suite."""

from __future__ import annotations

import pathlib

from ._support import ResultAssertions, run_source

SWAP_EXAMPLE = (
    pathlib.Path(__file__).resolve().parent.parent / "docs" / "examples" / "migrating_swap.py"
)
AIOTEST_IMPORT = "from aiotest import "
AIOHTTP_IMPORT = "from aiohttp.test_utils import "


class SwapExampleTest(ResultAssertions):
    def test_the_example_differs_from_the_original_by_its_import_only(self) -> None:
        source = SWAP_EXAMPLE.read_text(encoding="utf-8")
        self.assertEqual(source.count(AIOTEST_IMPORT), 1)
        line_nine = source.splitlines()[8]
        self.assertTrue(
            line_nine.startswith(AIOTEST_IMPORT), "migrating_aiohttp.rst highlights line 9"
        )
        self.assertNotIn("aiotest", source.replace(AIOTEST_IMPORT, ""))
        original = source.replace(AIOTEST_IMPORT, AIOHTTP_IMPORT)
        count, result = run_source(
            original, "migrating_swap_original.py", "migrating_swap_original"
        )
        self.assertGreater(count, 0)
        self.assertPassed(result, count)

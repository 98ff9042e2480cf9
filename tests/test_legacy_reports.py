"""A failing legacy-decorated test is reported at the user's failing line.

The suite below runs under ``python -m unittest`` in a fresh interpreter; its report must
name the file and line of each failing statement, which unittest's trimming of failure
tracebacks could drop.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys
import tempfile
import textwrap
import unittest

FAILING_SUITE = textwrap.dedent(
    """
    import asyncio
    import unittest

    import aiotest


    class Failing(unittest.TestCase):
        @aiotest.run_until_complete
        def test_generator(self):
            yield from asyncio.sleep(0)
            self.assertEqual(1, 2)  # line: test_generator

        @aiotest.run_until_complete
        async def test_async(self):
            await asyncio.sleep(0)
            self.assertEqual(1, 3)  # line: test_async

        @aiotest.run_until_complete(loop=aiotest.current_loop)
        def test_shared_loop(self):
            yield from asyncio.sleep(0)
            self.assertIn(4, [])  # line: test_shared_loop

        @aiotest.run_forever(timeout=0)
        def test_forever_callback(self):
            yield from asyncio.sleep(0)

            def check():
                assert 1 == 5  # line: check

            return check

        @aiotest.run_until_complete
        def test_error(self):
            yield from asyncio.sleep(0)
            {}["missing"]  # line: test_error
    """
)


class FailureReportTest(unittest.TestCase):
    def test_the_failing_line_is_in_the_report(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            suite = pathlib.Path(directory, "failing_legacy_suite.py")
            suite.write_text(FAILING_SUITE)
            completed = subprocess.run(
                [sys.executable, "-m", "unittest", "failing_legacy_suite"],
                cwd=directory,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            report = completed.stderr
            self.assertEqual(completed.returncode, 1, report)
            self.assertIn("FAILED (failures=4, errors=1)", report)
            lines = FAILING_SUITE.splitlines()
            for number, text in enumerate(lines, start=1):
                if "# line: " not in text:
                    continue
                function = text.rsplit("# line: ", 1)[1]
                with self.subTest(function=function):
                    where = f'File "{suite}", line {number}, in {function}\n'
                    self.assertIn(where + f"    {text.strip()}", report)


if __name__ == "__main__":
    unittest.main()

"""README.rst stays true: its example passes and its set-up commands are the ones CI runs."""

from __future__ import annotations

import pathlib
import re

from ._support import ResultAssertions, run_source

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = (ROOT / "README.rst").read_text(encoding="utf-8")


def _code_blocks(language: str) -> list[str]:
    """Return the bodies of README's ``.. code-block:: language`` directives."""
    blocks = []
    pattern = rf"^( *)\.\. code-block:: {language}\n\n((?:\1 +.*\n|\n)+)"
    for match in re.finditer(pattern, README, flags=re.MULTILINE):
        lines = match.group(2).rstrip("\n").splitlines()
        indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
        blocks.append("\n".join(line[indent:] for line in lines))
    return blocks


class ReadmeTest(ResultAssertions):
    def test_the_example_passes(self) -> None:
        [source] = _code_blocks("python")
        count, result = run_source(source, "README.rst", "readme_example")
        self.assertGreater(count, 0)
        self.assertPassed(result, count)

    def test_exactly_two_set_up_commands(self) -> None:
        commands = _code_blocks("console")
        self.assertEqual(len(commands), 2, commands)
        install_and_examples, tests = commands
        self.assertIn("pip install -e .", install_and_examples)
        self.assertIn("unittest discover -s examples", install_and_examples)
        ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
        self.assertEqual(tests, ci_lines[-1], "README's test command must be what .ci/run runs")

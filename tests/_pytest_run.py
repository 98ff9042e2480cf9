"""Run generated suites under pytest in a subprocess; read each test's outcome from junit XML."""

from __future__ import annotations

import dataclasses
import os
import pathlib
import subprocess
import sys
import tempfile
import textwrap
import xml.etree.ElementTree as ET

#: The plugin, and none of the other async plugins that may be installed here.
PLUGIN_ARGS = ("-p", "aiotest.pytest_plugin", "-p", "no:asyncio", "-p", "no:aiohttp")

# Settings of the outer run must not leak into the generated suites.
_CLEARED_ENV = ("AIOTEST_LOOP", "AIOTEST_TIMEOUT", "AIOTEST_STRICT", "PYTHONASYNCIODEBUG")


@dataclasses.dataclass
class Outcome:
    """One test case of the junit report: what failed (failure, error, skipped) and the text."""

    kinds: tuple[str, ...]
    text: str

    @property
    def passed(self) -> bool:
        return not self.kinds


@dataclasses.dataclass
class Run:
    returncode: int
    output: str
    outcomes: dict[str, Outcome]
    junit: str


def run_pytest(
    files: dict[str, str],
    *args: str,
    plugin: tuple[str, ...] = PLUGIN_ARGS,
    env: dict[str, str] | None = None,
    time_limit: float = 180,
) -> Run:
    """Write ``files`` (dedented) to a fresh directory and run pytest there.

    A run that takes longer than ``time_limit`` seconds raises subprocess.TimeoutExpired.
    """
    with tempfile.TemporaryDirectory() as tmp:
        directory = pathlib.Path(tmp)
        for name, text in files.items():
            path = directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        report = directory / "report.xml"
        environ = {
            key: value
            for key, value in os.environ.items()
            if key not in _CLEARED_ENV and not key.startswith("PYTEST")
        }
        environ.update(env or {})
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "-rA",
                *plugin,
                f"--junitxml={report}",
                *args,
            ],
            cwd=tmp,
            env=environ,
            capture_output=True,
            text=True,
            timeout=time_limit,
            check=False,
        )
        junit = report.read_text(encoding="utf-8") if report.exists() else ""
    outcomes: dict[str, Outcome] = {}
    if junit:
        for case in ET.fromstring(junit).iter("testcase"):
            children = [c for c in case if c.tag in ("failure", "error", "skipped")]
            text = "\n".join((c.get("message") or "") + "\n" + (c.text or "") for c in children)
            outcomes[case.get("name", "")] = Outcome(tuple(c.tag for c in children), text)
    return Run(done.returncode, done.stdout + done.stderr, outcomes, junit)

"""What a new user and a packager meet stays consistent: versions, license, changelog, CI.

The DeprecationWarning filter the test run relies on (see ``tests/__init__.py``) is checked
the way tox runs the suite: in a child ``python -m unittest`` with tox's PYTHONWARNINGS.
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest
from types import ModuleType

import aiotest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _ini(name: str) -> configparser.ConfigParser:
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / name, encoding="utf-8")
    return config


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _tox_pythonwarnings() -> str:
    for line in _lines(_ini("tox.ini").get("testenv", "setenv")):
        name, _, value = line.partition("=")
        if name.strip() == "PYTHONWARNINGS":
            return value.strip()
    return ""


def _envlist_versions() -> set[str]:
    """The Python versions of tox's envlist, as "3.10", "3.11", ..."""
    envs = [env.strip() for env in _ini("tox.ini").get("tox", "envlist").split(",")]
    return {f"3.{match[1]}" for env in envs if (match := re.fullmatch(r"py3(\d+)", env))}


_PROBE = """
import unittest
import warnings

import tests  # what discovering tests/ imports first, filter included


class Probe(unittest.TestCase):
    def test_deprecated_call(self):
        warnings.warn_explicit(
            "probe: this API is going away", DeprecationWarning, "probe.py", 1, module={module!r}
        )
"""


class DeprecationFilterTest(unittest.TestCase):
    """A DeprecationWarning attributed to aiotest fails the run; one from elsewhere does not."""

    def _run_probe(self, module: str, pythonwarnings: str) -> subprocess.CompletedProcess[str]:
        directory = pathlib.Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, directory)
        (directory / "probe_deprecations.py").write_text(_PROBE.format(module=module))
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONWARNINGS", "PYTHONPATH")}
        env["PYTHONPATH"] = str(ROOT)
        if pythonwarnings:
            env["PYTHONWARNINGS"] = pythonwarnings
        return subprocess.run(
            [sys.executable, "-m", "unittest", "probe_deprecations"],
            cwd=directory,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    def test_tox_keeps_pythonwarnings_set(self) -> None:
        self.assertTrue(_tox_pythonwarnings())

    def test_a_deprecation_from_an_aiotest_submodule_is_an_error(self) -> None:
        done = self._run_probe("aiotest._legacy", _tox_pythonwarnings())
        self.assertNotEqual(done.returncode, 0, done.stderr)
        self.assertIn("DeprecationWarning: probe: this API is going away", done.stderr)

    def test_a_deprecation_from_the_aiotest_package_is_an_error(self) -> None:
        done = self._run_probe("aiotest", _tox_pythonwarnings())
        self.assertNotEqual(done.returncode, 0, done.stderr)
        self.assertIn("DeprecationWarning: probe", done.stderr)

    def test_a_module_that_only_starts_with_aiotest_is_not_aiotest(self) -> None:
        done = self._run_probe("aiotest_helpers", _tox_pythonwarnings())
        self.assertEqual(done.returncode, 0, done.stderr)

    def test_tox_runs_the_examples_with_the_filter_too(self) -> None:
        commands = _lines(_ini("tox.ini").get("testenv", "commands"))
        [command] = [c for c in commands if "examples" in c]
        program, option, code = shlex.split(command)
        self.assertEqual((program, option), ("python", "-c"))
        directory = pathlib.Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, directory)
        # The same command, discovering a probe where it would discover the examples.
        (directory / "test_probe.py").write_text(
            _PROBE.replace("import tests  #", "#").format(module="aiotest._case")
        )
        code = code.replace("'examples'", repr(str(directory)))
        self.assertIn(str(directory), code)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONWARNINGS", "PYTHONPATH")}
        env["PYTHONWARNINGS"] = _tox_pythonwarnings()
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        self.assertNotEqual(done.returncode, 0, done.stderr)
        self.assertIn("DeprecationWarning: probe", done.stderr)

    def test_without_any_warning_option_unittest_would_reset_the_filter(self) -> None:
        # Why tox sets PYTHONWARNINGS at all: this run passes although the filter is installed.
        done = self._run_probe("aiotest._legacy", "")
        self.assertEqual(done.returncode, 0, done.stderr)


class VersionsTest(unittest.TestCase):
    """tox, the type checks and the metadata name the same Python versions."""

    def test_tox_tests_every_version_from_3_10_to_3_15(self) -> None:
        self.assertEqual(_envlist_versions(), {f"3.{minor}" for minor in range(10, 16)})

    def test_the_classifiers_name_the_versions_tox_tests(self) -> None:
        classifiers = _lines(_ini("setup.cfg").get("metadata", "classifiers"))
        prefix = "Programming Language :: Python :: "
        declared = {c.removeprefix(prefix) for c in classifiers if re.fullmatch(r".*3\.\d+", c)}
        self.assertEqual(declared, _envlist_versions())

    def test_python_requires_starts_at_the_oldest_tested_version(self) -> None:
        oldest = min(_envlist_versions(), key=lambda version: int(version.split(".")[1]))
        requires = _ini("setup.cfg").get("options", "python_requires")
        self.assertEqual(requires, f">={oldest}")

    def test_mypy_checks_for_every_tested_version(self) -> None:
        commands = _lines(_ini("tox.ini").get("testenv:type", "commands"))
        checked = set()
        for command in commands:
            self.assertIn("--strict", command.split())
            match = re.search(r"--python-version (\S+)", command)
            self.assertIsNotNone(match, command)
            assert match is not None
            checked.add(match[1])
        self.assertEqual(checked, _envlist_versions())

    def test_the_readme_names_the_newest_tested_version(self) -> None:
        newest = max(_envlist_versions(), key=lambda version: int(version.split(".")[1]))
        readme = (ROOT / "README.rst").read_text(encoding="utf-8")
        self.assertIn(f"CPython 3.10 to {newest}", readme)
        self.assertIn(f"python{newest}", readme)


class LicenseTest(unittest.TestCase):
    def test_the_license_file_is_the_apache_license(self) -> None:
        text = (ROOT / "LICENSE").read_text(encoding="utf-8")
        self.assertIn("Apache License", text.splitlines()[1])
        self.assertIn("Version 2.0, January 2004", text)
        self.assertIn("END OF TERMS AND CONDITIONS", text)

    def test_the_metadata_declares_it_as_an_spdx_expression(self) -> None:
        metadata = _ini("setup.cfg")["metadata"]
        self.assertEqual(metadata.get("license_expression"), "Apache-2.0")
        self.assertEqual(_lines(metadata.get("license_files", "")), ["LICENSE"])
        self.assertNotIn("license", metadata)

    def test_no_deprecated_license_classifier(self) -> None:
        classifiers = _lines(_ini("setup.cfg").get("metadata", "classifiers"))
        self.assertEqual([c for c in classifiers if c.startswith("License ::")], [])


class FirstContactTest(unittest.TestCase):
    def test_the_readme_says_how_to_install_and_what_to_read_first(self) -> None:
        readme = (ROOT / "README.rst").read_text(encoding="utf-8")
        self.assertIn("pip install aiotest-unittest", readme)
        first = re.search(r"[Ss]tart with ``(docs/[\w/]+\.rst)``", readme)
        self.assertIsNotNone(first, "README names no first page to read")
        assert first is not None
        self.assertTrue((ROOT / first[1]).is_file(), first[1])

    def test_the_changelog_has_the_current_version_and_an_unreleased_section(self) -> None:
        changelog = (ROOT / "CHANGELOG.rst").read_text(encoding="utf-8")
        headings = re.findall(r"^(.+)\n-+$", changelog, flags=re.MULTILINE)
        self.assertEqual(headings[0], "Unreleased")
        self.assertTrue(
            any(heading.split()[0] == aiotest.__version__ for heading in headings[1:]),
            headings,
        )

    def test_the_project_urls_are_web_addresses(self) -> None:
        metadata = _ini("setup.cfg")["metadata"]
        urls = [line.partition("=")[2].strip() for line in _lines(metadata["project_urls"])]
        self.assertGreater(len(urls), 0)
        for url in [metadata["url"], *urls]:
            self.assertRegex(url, r"^https://[\w.-]+/\S+$")


_FAKE_TOOL = """#!/usr/bin/env bash
mkdir -p "{bin}"
for v in 3.14 3.15; do printf '#!/bin/sh\\necho fake $0\\n' >"{bin}/python$v"; done
chmod +x "{bin}"/python3.1[45]
echo "installing, please wait"
echo "{bin}"
"""


class CiRunTest(unittest.TestCase):
    """``.ci/run`` finds python3.14 and python3.15 through the tool beside the checkout."""

    def _run_ci(self, with_tool: bool) -> tuple[pathlib.Path, list[str]]:
        """Run .ci/run's set-up in a copy of the layout; return it and the PATH it tests with."""
        top = pathlib.Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, top)
        (top / "repo" / ".ci").mkdir(parents=True)
        script = (ROOT / ".ci" / "run").read_text(encoding="utf-8").rstrip("\n").splitlines()
        # Everything but the test command itself, then report the PATH it would run with.
        (top / "repo" / ".ci" / "run").write_text("\n".join([*script[:-1], 'echo "$PATH"\n']))
        if with_tool:
            (top / "shared" / "tools").mkdir(parents=True)
            tool = top / "shared" / "tools" / "python-next"
            tool.write_text(_FAKE_TOOL.format(bin=top / "next-bin"))
        # A PATH with bash and the basic tools, and no python3.14 or python3.15.
        plain = top / "plain-bin"
        plain.mkdir()
        for name in ("bash", "dirname", "tail", "mkdir", "chmod", "printf", "cat", "env"):
            found = shutil.which(name)
            if found is not None:
                (plain / name).symlink_to(found)
        env = {"PATH": str(plain), "HOME": str(top)}
        done = subprocess.run(
            [str(plain / "bash"), ".ci/run"],
            cwd=top / "repo",
            env=env,
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        return top, done.stdout.strip().splitlines()[-1].split(os.pathsep)

    def test_the_folder_the_tool_prints_goes_first_on_path(self) -> None:
        top, path = self._run_ci(with_tool=True)
        self.assertEqual(path, [str(top / "next-bin"), str(top / "plain-bin")])

    def test_without_the_tool_path_is_left_alone(self) -> None:
        top, path = self._run_ci(with_tool=False)
        self.assertEqual(path, [str(top / "plain-bin")])


def _benchmark_sources() -> ModuleType:
    path = ROOT / "benchmarks" / "_sources.py"
    spec = importlib.util.spec_from_file_location("benchmark_sources_for_packaging", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Appended to a generated module: what each contender says about its loop's debug mode.
_DEBUG_PROBE = """

class DebugProbe(BenchTest):
    async def test_debug_mode(self):
        assert asyncio.get_running_loop().get_debug() is {debug}
"""


class BenchmarkSourcesTest(unittest.TestCase):
    """Every unittest contender's generated suite passes on this Python, each shape included.

    pytest-aiohttp's suite needs pytest-aiohttp, a benchmark dependency only; it is left out.
    aiotest's plugin runs the same pytest suite, under pytest.
    """

    def test_the_generated_suites_pass(self) -> None:
        sources = _benchmark_sources()
        contenders = [name for name in sources.CONTENDERS if name not in sources.PYTEST_PLUGIN_ARGS]
        self.assertIn("isolation-floor", contenders)
        self.assertIn("aiohttp.test_utils-nodebug", contenders)
        directory = pathlib.Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, directory)
        for contender in contenders:
            for shape in sources.SHAPES:
                source = sources.module_source(contender, shape, 2)
                if contender.startswith("aiohttp.test_utils"):
                    # Shipped, the base class turns debug mode on; the variant turns it off.
                    source += _DEBUG_PROBE.format(debug=contender == "aiohttp.test_utils")
                name = f"test_{contender.replace('.', '_').replace('-', '_')}_{shape}.py"
                (directory / name).write_text(source)
        env = {k: v for k, v in os.environ.items() if k not in ("AIOTEST_LOOP", "PYTHONPATH")}
        done = subprocess.run(
            [sys.executable, "-m", "unittest", "discover", "-s", str(directory), "-t", "."],
            cwd=directory,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        self.assertEqual(done.returncode, 0, done.stderr[-3000:])
        # Two tests per module; each DebugProbe (one per aiohttp.test_utils module) runs
        # those two again and its own.
        probe_modules = 2 * len(sources.SHAPES)
        expected = 2 * len(contenders) * len(sources.SHAPES) + 3 * probe_modules
        self.assertIn(f"Ran {expected} tests", done.stderr)

    @unittest.skipUnless(importlib.util.find_spec("pytest"), "pytest is not installed here")
    def test_the_plugins_generated_suites_pass(self) -> None:
        sources = _benchmark_sources()
        directory = pathlib.Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, directory)
        (directory / "pytest.ini").write_text(sources.AIOTEST_PYTEST_INI)
        env = {k: v for k, v in os.environ.items() if k not in ("AIOTEST_LOOP", "PYTHONPATH")}
        for contender in ("aiotest-pytest", "pytest-floor"):
            prefix = f"test_{contender.replace('-', '_')}"
            for shape in sources.SHAPES:
                source = sources.module_source(contender, shape, 3)
                (directory / f"{prefix}_{shape}.py").write_text(source)
            plugin = sources.PYTEST_PLUGIN_ARGS[contender]
            command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugin]
            done = subprocess.run(
                [*command, "-W", "error", *(f"{prefix}_{shape}.py" for shape in sources.SHAPES)],
                cwd=directory,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            output = done.stdout[-3000:] + done.stderr[-3000:]
            self.assertEqual(done.returncode, 0, output)
            self.assertIn(f"{3 * len(sources.SHAPES)} passed", done.stdout, output)


if __name__ == "__main__":
    unittest.main()

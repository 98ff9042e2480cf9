"""Each private or version-specific touch point of aiotest/_compat.py, checked on its own.

A failure here names the API that changed in Python, asyncio, aiohttp or pytest.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import unittest
import warnings

from aiotest import _compat


class CompatModuleTest(unittest.TestCase):
    def test_module_exports_only_what_it_defines(self) -> None:
        for name in _compat.__all__:
            self.assertTrue(hasattr(_compat, name), name)


# legacy: the current loop of a thread, read and put back without making one.

#: Prints what asyncio.get_event_loop() does now, in a subprocess: make a loop, or raise.
_GET_EVENT_LOOP_OUTCOME = """
try:
    _loop = asyncio.get_event_loop()
except RuntimeError:
    print("raises")
else:
    print("makes a loop")
    _loop.close()
"""


def _in_fresh_interpreter(code: str) -> list[str]:
    """Run ``code`` after ``import asyncio, warnings`` in a new Python; return its lines."""
    prelude = (
        "import asyncio, warnings\n"
        "from aiotest import _compat\n"
        # get_event_loop() making a loop warns on 3.12 and 3.13; only its outcome matters.
        "warnings.filterwarnings('ignore', 'There is no current event loop')\n"
    )
    completed = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", prelude + code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if completed.returncode != 0:
        raise AssertionError(completed.stderr)
    return completed.stdout.splitlines()


class ThreadEventLoopTest(unittest.TestCase):
    """thread_event_loop, event_loop_never_set, mark_event_loop_never_set."""

    def setUp(self) -> None:
        # A test must not leave this thread's loop set for the next one.
        self.addCleanup(asyncio.set_event_loop, _compat.thread_event_loop())
        warnings.simplefilter("error", DeprecationWarning)
        self.addCleanup(warnings.resetwarnings)

    def test_reads_the_loop_set_current_and_none(self) -> None:
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        asyncio.set_event_loop(loop)
        self.assertIs(_compat.thread_event_loop(), loop)
        self.assertFalse(_compat.event_loop_never_set())
        asyncio.set_event_loop(None)
        self.assertIsNone(_compat.thread_event_loop())
        self.assertFalse(_compat.event_loop_never_set())

    def test_reads_the_loop_of_this_thread_only(self) -> None:
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        asyncio.set_event_loop(loop)
        seen: list[object] = []
        thread = threading.Thread(target=lambda: seen.append(_compat.thread_event_loop()))
        thread.start()
        thread.join()
        self.assertEqual(seen, [None])

    def test_never_makes_a_loop_in_a_fresh_interpreter(self) -> None:
        untouched = _in_fresh_interpreter(_GET_EVENT_LOOP_OUTCOME)
        lines = _in_fresh_interpreter(
            "print(_compat.thread_event_loop())\n"
            "print(_compat.event_loop_never_set())\n" + _GET_EVENT_LOOP_OUTCOME
        )
        self.assertEqual(lines[0], "None")
        # "Never set" is exactly the state in which get_event_loop() makes a loop.
        self.assertEqual(lines[1], str(untouched == ["makes a loop"]))
        self.assertEqual(lines[2:], untouched)

    def test_marking_never_set_brings_back_what_a_fresh_interpreter_does(self) -> None:
        untouched = _in_fresh_interpreter(_GET_EVENT_LOOP_OUTCOME)
        set_and_unset = (
            "asyncio.set_event_loop(asyncio.new_event_loop())\n"
            "asyncio.get_event_loop().close()\n"
            "asyncio.set_event_loop(None)\n"
        )
        self.assertEqual(_in_fresh_interpreter(set_and_unset + _GET_EVENT_LOOP_OUTCOME), ["raises"])
        marked = _in_fresh_interpreter(
            set_and_unset
            + "_compat.mark_event_loop_never_set()\n"
            + "print(_compat.event_loop_never_set())\n"
            + _GET_EVENT_LOOP_OUTCOME
        )
        self.assertEqual(marked, [str(untouched == ["makes a loop"]), *untouched])

    def test_marking_leaves_a_current_loop_alone(self) -> None:
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        asyncio.set_event_loop(loop)
        _compat.mark_event_loop_never_set()
        self.assertIs(_compat.thread_event_loop(), loop)
        self.assertFalse(_compat.event_loop_never_set())


# pytest plugin: what aiotest.pytest_plugin reads from pytest's items and fixture definitions.

_PYTEST_CONFTEST = """
import pytest

from aiotest import _compat


@pytest.fixture
def overridden():
    return "plugin's"


@pytest.fixture
def swapped():
    return "original"


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    original = _compat.fixture_function_of(fixturedef)
    if fixturedef.argname != "swapped":
        yield
        return
    _compat.set_fixture_function(fixturedef, lambda: "replaced " + original())
    try:
        yield
    finally:
        _compat.set_fixture_function(fixturedef, original)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    arguments = _compat.call_arguments_of(pyfuncitem)
    assert sorted(arguments) == ["depends", "overridden", "swapped"], arguments
    functions = _compat.resolved_fixture_functions(pyfuncitem)
    assert functions["overridden"].__module__ == "test_compat_pytest", functions
    assert functions["overridden"]() == "module's"
"""

_PYTEST_MODULE = """
import pytest


@pytest.fixture
def overridden():
    return "module's"


@pytest.fixture
def depends(swapped):
    return swapped


def test_touch_points(overridden, swapped, depends):
    assert overridden == "module's"
    assert swapped == "replaced original"
"""


class PytestTouchPointsTest(unittest.TestCase):
    def test_fixture_resolution_call_arguments_and_fixture_function(self) -> None:
        try:
            import pytest  # noqa: F401
        except ImportError:  # pragma: no cover - pytest is a test dependency
            self.skipTest("pytest is not installed")
        from tests._pytest_run import run_pytest

        run = run_pytest(
            {"conftest.py": _PYTEST_CONFTEST, "test_compat_pytest.py": _PYTEST_MODULE},
            plugin=("-p", "no:asyncio", "-p", "no:aiohttp"),
        )
        self.assertEqual(list(run.outcomes), ["test_touch_points"], run.output)
        self.assertTrue(run.outcomes["test_touch_points"].passed, run.output)

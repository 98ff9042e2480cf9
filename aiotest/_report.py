"""Adds what aiotest recorded during a test to the report of that test's failure.

The text goes onto the failing exception itself (a note on Python 3.11+, the message on
3.10) before the result object sees it, so it shows under ``python -m unittest``, under
pytest, and under any runner that formats the exception.
"""

from __future__ import annotations

import sys
import unittest
from collections.abc import Callable
from typing import Any

__all__ = ["ReportingResult", "attach_note"]


def attach_note(exc: BaseException, text: str) -> None:
    """Add ``text`` to the report of ``exc``."""
    if sys.version_info >= (3, 11):
        exc.add_note(text)
        return
    # Python 3.10 prints no notes: extend a plain message instead.
    if type(exc).__str__ is not BaseException.__str__:  # pragma: no cover - py310
        return
    if not exc.args:  # pragma: no cover - py310
        exc.args = (text,)
    elif len(exc.args) == 1 and isinstance(exc.args[0], str):  # pragma: no cover - py310
        exc.args = (f"{exc.args[0]}\n\n{text}",)


class ReportingResult:
    """Stands in for a test result; adds ``notes(exc)`` to every failure and error it gets."""

    def __init__(
        self, result: unittest.TestResult, notes: Callable[[BaseException], str | None]
    ) -> None:
        self._result = result
        self._notes = notes

    def _noted(self, err: Any) -> Any:
        if err is None or isinstance(err[1], unittest.SkipTest):
            return err
        exc = err[1]
        text = self._notes(exc)
        if text and text not in str(exc) and text not in getattr(exc, "__notes__", ()):
            attach_note(exc, text)
        return err

    def addError(self, test: unittest.TestCase, err: Any) -> None:
        """Pass the error on, with aiotest's notes."""
        self._result.addError(test, self._noted(err))

    def addFailure(self, test: unittest.TestCase, err: Any) -> None:
        """Pass the failure on, with aiotest's notes."""
        self._result.addFailure(test, self._noted(err))

    def addSubTest(self, test: unittest.TestCase, subtest: unittest.TestCase, err: Any) -> None:
        """Pass a subtest's outcome on, a failure with aiotest's notes."""
        self._result.addSubTest(test, subtest, self._noted(err))

    def __getattr__(self, name: str) -> Any:
        # Everything else unittest asks a result for is the real result's; cached, since
        # unittest asks for some (startTest, addSuccess...) once per test.
        attr = getattr(self._result, name)
        if callable(attr):
            setattr(self, name, attr)
        return attr

"""Adds what aiotest recorded during a test to the report of that test's failure.

The text goes onto the failing exception itself (a note on Python 3.11+, the message on
3.10) before the result object sees it, so it shows under ``python -m unittest``, under
pytest, and under any runner that formats the exception.
"""

from __future__ import annotations

import sys
import unittest
from collections.abc import Callable
from types import TracebackType
from typing import Any

__all__ = ["ReportingResult", "attach_note"]

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


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

    def _noted(self, err: _ExcInfo | None) -> _ExcInfo | None:
        if err is None or isinstance(err[1], unittest.SkipTest):
            return err
        exc = err[1]
        text = self._notes(exc)
        if text and text not in str(exc) and text not in getattr(exc, "__notes__", ()):
            attach_note(exc, text)
        return err

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._result, name)
        if name in ("addError", "addFailure"):
            return lambda test, err: attr(test, self._noted(err))
        if name == "addSubTest":
            return lambda test, subtest, err: attr(test, subtest, self._noted(err))
        return attr

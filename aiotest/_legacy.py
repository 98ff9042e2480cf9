"""Decorators kept so that suites written for older helpers run unchanged."""

from __future__ import annotations

import warnings
from typing import Any, TypeVar

from ._messages import UNITTEST_RUN_LOOP_DEPRECATED

__all__ = ["unittest_run_loop"]

_F = TypeVar("_F")


def unittest_run_loop(func: _F, *args: Any, **kwargs: Any) -> _F:
    """Return ``func`` unchanged: test methods of AioHTTPTestCase may be ``async def``.

    Emits a DeprecationWarning that points at the decorated method.
    """
    warnings.warn(UNITTEST_RUN_LOOP_DEPRECATED, DeprecationWarning, stacklevel=2)
    return func

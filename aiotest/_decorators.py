"""Decorators named after the settings: each sets its setting for one test method or class.

On/off settings are bare decorators (``@aiotest.check_leaks``); settings with a value are
called with it (``@aiotest.timeout(5)``). A decorator on a method wins over one on the
class, which wins over a class attribute, which wins over the environment.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

from ._messages import (
    BARE_DECORATOR_CALLED,
    DECORATOR_TARGET,
    FACTORY_NOT_CALLABLE,
    SECONDS_NEGATIVE,
    SECONDS_NOT_POSITIVE,
)
from ._settings import ExecutorFactory, LoopFactory, apply_setting

__all__ = [
    "catch_loop_exceptions",
    "check_leaks",
    "executor_factory",
    "forbid_get_event_loop",
    "loop_debug",
    "loop_factory",
    "raise_server_exceptions",
    "slow_callback_duration",
    "strict",
    "timeout",
    "virtual_time",
]

_T = TypeVar("_T")


class _NotGiven:
    def __repr__(self) -> str:
        return "<decorated>"


# The default of a bare decorator's parameter, so that @aiotest.check_leaks() reaches our
# own clear error instead of Python's "missing 1 required positional argument".
_NOT_GIVEN: Any = _NotGiven()


def _decoratable(target: object) -> bool:
    return isinstance(target, type) or callable(target)


def _switch_on(name: str, target: Any, args: tuple[object, ...], kwargs: dict[str, Any]) -> Any:
    if target is _NOT_GIVEN or args or kwargs or not _decoratable(target):
        raise TypeError(BARE_DECORATOR_CALLED.format(name=name))
    return apply_setting(target, name, True)


def _setter(name: str, value: object) -> Callable[[_T], _T]:
    def decorate(target: _T) -> _T:
        if not _decoratable(target):
            raise TypeError(DECORATOR_TARGET.format(name=name, type_name=type(target).__name__))
        return apply_setting(target, name, value)

    return decorate


def _seconds(name: str, value: object, *, allow_zero: bool) -> float:
    valid = (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (value >= 0 if allow_zero else value > 0)
    )
    if not valid:
        template = SECONDS_NEGATIVE if allow_zero else SECONDS_NOT_POSITIVE
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        raise (ValueError if is_number else TypeError)(template.format(name=name, value=value))
    return float(cast(float, value))


def _factory(name: str, value: object, what: str) -> object:
    if not callable(value):
        raise TypeError(
            FACTORY_NOT_CALLABLE.format(
                name=name, what=what, type_name=type(value).__name__, value=value
            )
        )
    return value


def timeout(seconds: float | None) -> Callable[[_T], _T]:
    """Give the test (setup and teardown included) ``seconds`` to finish; None: no limit."""
    value = None if seconds is None else _seconds("timeout", seconds, allow_zero=False)
    return _setter("timeout", value)


def loop_factory(factory: LoopFactory) -> Callable[[_T], _T]:
    """Run the test on a loop made by ``factory``, such as ``uvloop.new_event_loop``."""
    return _setter("loop_factory", _factory("loop_factory", factory, "an event loop"))


def executor_factory(factory: ExecutorFactory) -> Callable[[_T], _T]:
    """Make the loop's default executor with ``factory``; it is shut down at teardown."""
    return _setter("executor_factory", _factory("executor_factory", factory, "an executor"))


def slow_callback_duration(seconds: float) -> Callable[[_T], _T]:
    """With debug mode on, log callbacks that take longer than ``seconds``."""
    value = _seconds("slow_callback_duration", seconds, allow_zero=True)
    return _setter("slow_callback_duration", value)


def loop_debug(target: _T = _NOT_GIVEN, /, *args: object, **kwargs: Any) -> _T:
    """Run the test's loop in asyncio's debug mode."""
    return cast(_T, _switch_on("loop_debug", target, args, kwargs))


def catch_loop_exceptions(target: _T = _NOT_GIVEN, /, *args: object, **kwargs: Any) -> _T:
    """Fail the test on every exception that reaches the loop's exception handler."""
    return cast(_T, _switch_on("catch_loop_exceptions", target, args, kwargs))


def forbid_get_event_loop(target: _T = _NOT_GIVEN, /, *args: object, **kwargs: Any) -> _T:
    """Fail the test when the code under test calls ``asyncio.get_event_loop()``."""
    return cast(_T, _switch_on("forbid_get_event_loop", target, args, kwargs))


def check_leaks(target: _T = _NOT_GIVEN, /, *args: object, **kwargs: Any) -> _T:
    """Fail the test on tasks, sessions, responses and transports it left open."""
    return cast(_T, _switch_on("check_leaks", target, args, kwargs))


def raise_server_exceptions(target: _T = _NOT_GIVEN, /, *args: object, **kwargs: Any) -> _T:
    """Fail the test on any exception that a request handler let escape."""
    return cast(_T, _switch_on("raise_server_exceptions", target, args, kwargs))


def strict(target: _T = _NOT_GIVEN, /, *args: object, **kwargs: Any) -> _T:
    """catch_loop_exceptions, check_leaks and raise_server_exceptions together."""
    return cast(_T, _switch_on("strict", target, args, kwargs))


def virtual_time(target: _T = _NOT_GIVEN, /, *args: object, **kwargs: Any) -> _T:
    """Run the test's loop on virtual time: sleeps and timeouts pass at once when idle."""
    return cast(_T, _switch_on("virtual_time", target, args, kwargs))

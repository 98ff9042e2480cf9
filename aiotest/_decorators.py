"""Decorators named after the settings: each sets its setting for one test method or class.

On/off settings are used bare (``@aiotest.check_leaks``) or with a bool
(``@aiotest.check_leaks(False)`` switches the check off); settings with a value are called
with it (``@aiotest.timeout(5)``, ``@aiotest.timeout(None)``). A decorator on a method
wins over one on the class, which wins over a class attribute, which wins over the
environment. Every value and every target is checked when the decorator is applied.
"""

from __future__ import annotations

import unittest
from collections.abc import Callable
from typing import Any, TypeVar, overload

from ._case import AsyncTestCase
from ._messages import (
    DECORATOR_ON_DESCRIPTOR,
    DECORATOR_ON_PLAIN_TESTCASE,
    DECORATOR_TARGET,
    SWITCH_USAGE,
)
from ._settings import (
    ExecutorFactory,
    LoopFactory,
    SettingsTypeError,
    apply_setting,
    check_setting,
    class_name,
)

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

_DESCRIPTORS = (property, staticmethod, classmethod)


class _NotGiven:
    def __repr__(self) -> str:
        return ""


# The default of a switch's parameter, so that @aiotest.check_leaks() reaches our own
# clear error instead of Python's "missing 1 required positional argument".
_NOT_GIVEN: Any = _NotGiven()


def _check_target(name: str, target: object) -> None:
    """Refuse a target on which the setting would do nothing, saying where it belongs."""
    if isinstance(target, _DESCRIPTORS):
        raise SettingsTypeError(
            DECORATOR_ON_DESCRIPTOR.format(name=name, kind=type(target).__name__)
        )
    if isinstance(target, type):
        # A mixin that is no TestCase is fine: the aiotest cases made from it inherit it.
        if issubclass(target, unittest.TestCase) and not issubclass(target, AsyncTestCase):
            raise SettingsTypeError(
                DECORATOR_ON_PLAIN_TESTCASE.format(name=name, class_name=class_name(target))
            )
    elif not callable(target):
        raise SettingsTypeError(DECORATOR_TARGET.format(name=name, type_name=type(target).__name__))


def _setter(name: str, value: object) -> Callable[[_T], _T]:
    def decorate(target: _T) -> _T:
        _check_target(name, target)
        return apply_setting(target, name, value)

    return decorate


def _looks_like_a_target(value: object) -> bool:
    return isinstance(value, (type, *_DESCRIPTORS)) or callable(value)


def _switch(name: str, target: Any, args: tuple[object, ...], kwargs: dict[str, Any]) -> Any:
    """Apply the switch ``name``: bare on ``target``, or return a decorator for a bool."""
    if isinstance(target, bool) and not (args or kwargs):
        return _setter(name, target)
    if target is _NOT_GIVEN or args or kwargs or not _looks_like_a_target(target):
        written = [repr(arg) for arg in (target, *args) if arg is not _NOT_GIVEN]
        written += [f"{key}={value!r}" for key, value in kwargs.items()]
        raise SettingsTypeError(SWITCH_USAGE.format(name=name, arguments=", ".join(written)))
    return _setter(name, True)(target)


def _where(name: str) -> str:
    return f"@aiotest.{name}()"


def timeout(seconds: float | None) -> Callable[[_T], _T]:
    """Give the test (setup and teardown included) ``seconds`` to finish; None: no limit."""
    return _setter("timeout", check_setting("timeout", seconds, _where("timeout")))


def loop_factory(factory: LoopFactory | None) -> Callable[[_T], _T]:
    """Run the test on a loop made by ``factory``, such as ``uvloop.new_event_loop``.

    None: asyncio's own loop, whatever the class or ``AIOTEST_LOOP`` chose.
    """
    return _setter("loop_factory", check_setting("loop_factory", factory, _where("loop_factory")))


def executor_factory(factory: ExecutorFactory | None) -> Callable[[_T], _T]:
    """Make the loop's default executor with ``factory``; it is shut down at teardown.

    None: asyncio's own default executor.
    """
    value = check_setting("executor_factory", factory, _where("executor_factory"))
    return _setter("executor_factory", value)


def slow_callback_duration(seconds: float | None) -> Callable[[_T], _T]:
    """With debug mode on, log callbacks that take longer than ``seconds``.

    None: asyncio's default.
    """
    value = check_setting("slow_callback_duration", seconds, _where("slow_callback_duration"))
    return _setter("slow_callback_duration", value)


@overload
def loop_debug(enabled: bool, /) -> Callable[[_T], _T]: ...
@overload
def loop_debug(target: _T, /) -> _T: ...
def loop_debug(target: Any = _NOT_GIVEN, /, *args: object, **kwargs: Any) -> Any:
    """Run the test's loop in asyncio's debug mode; ``loop_debug(False)``: not."""
    return _switch("loop_debug", target, args, kwargs)


@overload
def catch_loop_exceptions(enabled: bool, /) -> Callable[[_T], _T]: ...
@overload
def catch_loop_exceptions(target: _T, /) -> _T: ...
def catch_loop_exceptions(target: Any = _NOT_GIVEN, /, *args: object, **kwargs: Any) -> Any:
    """Fail the test on every exception that reaches the loop's exception handler."""
    return _switch("catch_loop_exceptions", target, args, kwargs)


@overload
def forbid_get_event_loop(enabled: bool, /) -> Callable[[_T], _T]: ...
@overload
def forbid_get_event_loop(target: _T, /) -> _T: ...
def forbid_get_event_loop(target: Any = _NOT_GIVEN, /, *args: object, **kwargs: Any) -> Any:
    """Fail the test when the code under test calls ``asyncio.get_event_loop()``."""
    return _switch("forbid_get_event_loop", target, args, kwargs)


@overload
def check_leaks(enabled: bool, /) -> Callable[[_T], _T]: ...
@overload
def check_leaks(target: _T, /) -> _T: ...
def check_leaks(target: Any = _NOT_GIVEN, /, *args: object, **kwargs: Any) -> Any:
    """Fail the test on tasks, sessions, responses and transports it left open."""
    return _switch("check_leaks", target, args, kwargs)


@overload
def raise_server_exceptions(enabled: bool, /) -> Callable[[_T], _T]: ...
@overload
def raise_server_exceptions(target: _T, /) -> _T: ...
def raise_server_exceptions(target: Any = _NOT_GIVEN, /, *args: object, **kwargs: Any) -> Any:
    """Fail the test on any exception that a request handler let escape."""
    return _switch("raise_server_exceptions", target, args, kwargs)


@overload
def strict(enabled: bool, /) -> Callable[[_T], _T]: ...
@overload
def strict(target: _T, /) -> _T: ...
def strict(target: Any = _NOT_GIVEN, /, *args: object, **kwargs: Any) -> Any:
    """catch_loop_exceptions, check_leaks and raise_server_exceptions together.

    A check set on its own at the same level or a narrower one wins over it:
    ``@aiotest.raise_server_exceptions(False)`` on one method of a strict class.
    """
    return _switch("strict", target, args, kwargs)


@overload
def virtual_time(enabled: bool, /) -> Callable[[_T], _T]: ...
@overload
def virtual_time(target: _T, /) -> _T: ...
def virtual_time(target: Any = _NOT_GIVEN, /, *args: object, **kwargs: Any) -> Any:
    """Run the test's loop on virtual time: sleeps and timeouts pass at once when idle."""
    return _switch("virtual_time", target, args, kwargs)

"""Per-test settings: environment defaults, class attributes and same-named decorators.

Resolution order, later wins: the environment's default for the whole run, then a class
attribute set by the user, then a decorator on the class, then a decorator on the method.
Nothing else in aiotest reads the environment.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from typing import Any, TypeVar

__all__ = [
    "SETTING_NAMES",
    "Settings",
    "apply_setting",
    "loop_factory_from_env",
    "resolve_settings",
]

LoopFactory = Callable[[], asyncio.AbstractEventLoop]
ExecutorFactory = Callable[[], Executor]

# Where decorators leave their settings: on a test method or on a test case class.
SETTINGS_ATTRIBUTE = "__aiotest_settings__"

ENV_LOOP = "AIOTEST_LOOP"
ENV_DEBUG = "PYTHONASYNCIODEBUG"
ENV_TIMEOUT = "AIOTEST_TIMEOUT"
ENV_STRICT = "AIOTEST_STRICT"
ENV_VIRTUAL_TIME = "AIOTEST_VIRTUAL_TIME"

BAD_ENV_LOOP = "{var}={value!r} is not a loop name aiotest knows: use 'asyncio' or 'uvloop'"
BAD_ENV_TIMEOUT = "{var}={value!r} is not a number of seconds greater than 0"
BAD_ENV_FLAG = "{var}={value!r} is not a switch: use 1/0, true/false, yes/no or on/off"
UVLOOP_MISSING = (
    "uvloop is not installed, but {source} asks for it: pip install 'aiotest-unittest[uvloop]'"
)

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})

_T = TypeVar("_T")


@dataclasses.dataclass(frozen=True)
class Settings:
    """The settings one test runs with, resolved once before its loop is made."""

    loop_factory: LoopFactory | None = None
    loop_debug: bool = False
    slow_callback_duration: float | None = None
    timeout: float | None = None
    executor_factory: ExecutorFactory | None = None
    catch_loop_exceptions: bool = False
    forbid_get_event_loop: bool = False
    check_leaks: bool = False
    raise_server_exceptions: bool = False
    strict: bool = False
    virtual_time: bool = False

    def __post_init__(self) -> None:
        if self.strict:
            # strict is a shorthand; spelling the three out keeps every check reading one field.
            object.__setattr__(self, "catch_loop_exceptions", True)
            object.__setattr__(self, "check_leaks", True)
            object.__setattr__(self, "raise_server_exceptions", True)
        if self.virtual_time:
            # A shorthand too: the loop factory, wrapped, makes the test's loop as ever. For
            # loops whose clock it cannot control, making the loop fails, naming the setting.
            from ._virtual_loop import virtual_loop_factory_for_settings

            wrapped = virtual_loop_factory_for_settings(self.loop_factory)
            object.__setattr__(self, "loop_factory", wrapped)


SETTING_NAMES = tuple(field.name for field in dataclasses.fields(Settings))


def _env_flag(environ: Mapping[str, str], var: str) -> bool | None:
    value = environ.get(var)
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(BAD_ENV_FLAG.format(var=var, value=value))


def loop_factory_from_name(name: str, source: str) -> LoopFactory | None:
    """Return the loop factory called ``name`` ('asyncio' or 'uvloop')."""
    lowered = name.strip().lower()
    if lowered in ("", "asyncio", "default"):
        return None
    if lowered == "uvloop":
        try:
            import uvloop
        except ImportError:
            raise RuntimeError(UVLOOP_MISSING.format(source=source)) from None
        factory: LoopFactory = uvloop.new_event_loop
        return factory
    raise ValueError(BAD_ENV_LOOP.format(var=ENV_LOOP, value=name))


def loop_factory_from_env(environ: Mapping[str, str]) -> LoopFactory | None:
    """Return the loop factory that ``AIOTEST_LOOP`` asks for, or None for asyncio's own."""
    value = environ.get(ENV_LOOP)
    if value is None:
        return None
    return loop_factory_from_name(value, f"{ENV_LOOP}={value}")


def _env_timeout(environ: Mapping[str, str]) -> float | None:
    value = environ.get(ENV_TIMEOUT)
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(BAD_ENV_TIMEOUT.format(var=ENV_TIMEOUT, value=value)) from None
    if not seconds > 0:
        raise ValueError(BAD_ENV_TIMEOUT.format(var=ENV_TIMEOUT, value=value))
    return seconds


def environment_defaults(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the settings that the environment sets for the whole run."""
    env = os.environ if environ is None else environ
    defaults: dict[str, Any] = {}
    if ENV_LOOP in env:
        defaults["loop_factory"] = loop_factory_from_env(env)
    debug = _env_flag(env, ENV_DEBUG)
    if debug is not None:
        defaults["loop_debug"] = debug
    elif sys.flags.dev_mode:
        defaults["loop_debug"] = True
    timeout = _env_timeout(env)
    if timeout is not None:
        defaults["timeout"] = timeout
    strict = _env_flag(env, ENV_STRICT)
    if strict is not None:
        defaults["strict"] = strict
    virtual_time = _env_flag(env, ENV_VIRTUAL_TIME)
    if virtual_time is not None:
        defaults["virtual_time"] = virtual_time
    return defaults


def _static_class_attribute(cls: type, name: str, base: type) -> tuple[bool, Any]:
    """Find ``name`` as the user set it on ``cls`` or a class between it and ``base``.

    Returns (found, value). Attributes set on ``base`` and above are aiotest's own
    defaults and leave room for the environment. Functions come back as given, never
    bound: ``loop_factory = uvloop.new_event_loop`` is a factory, not a method.
    """
    for klass in cls.__mro__:
        if klass is base:
            return False, None
        if name in vars(klass):
            value = vars(klass)[name]
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            return True, value
    return False, None


def _decorated(obj: object) -> dict[str, Any]:
    found = getattr(obj, SETTINGS_ATTRIBUTE, None)
    return dict(found) if isinstance(found, dict) else {}


def _class_decorations(cls: type) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    # Base classes first, so a decorator on a subclass wins over one on its base.
    for klass in reversed(cls.__mro__):
        found = vars(klass).get(SETTINGS_ATTRIBUTE)
        if isinstance(found, dict):
            merged.update(found)
    return merged


def resolve_settings(
    case_class: type,
    method: object,
    base: type,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve the settings of one test: ``method`` of ``case_class``.

    ``base`` is aiotest's own test case class; attributes found on it or above it are the
    defaults that the environment may override.
    """
    values = environment_defaults(environ)
    for name in SETTING_NAMES:
        found, value = _static_class_attribute(case_class, name, base)
        if found:
            values[name] = value
    values.update(_class_decorations(case_class))
    values.update(_decorated(method))
    return Settings(**values)


def apply_setting(target: _T, name: str, value: Any) -> _T:
    """Record ``name = value`` on a test method or a test case class; return the target."""
    if not (isinstance(target, type) or callable(target)):
        raise TypeError(
            f"@aiotest.{name} decorates a test method or a test case class, "
            f"not {type(target).__name__}"
        )
    own = vars(target).get(SETTINGS_ATTRIBUTE) if isinstance(target, type) else None
    if isinstance(target, type):
        settings = dict(own) if isinstance(own, dict) else {}
        settings[name] = value
        setattr(target, SETTINGS_ATTRIBUTE, settings)
    else:
        settings = _decorated(target)
        settings[name] = value
        setattr(target, SETTINGS_ATTRIBUTE, settings)
    return target

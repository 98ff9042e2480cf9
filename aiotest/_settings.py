"""Per-test settings: environment defaults, class attributes and same-named decorators.

Resolution order, later wins: the environment's default for the whole run, then a class
attribute set by the user, then a decorator on the class, then a decorator on the method.
``strict`` switches three checks on at its own level; a check set explicitly at the same
or a later level wins over it. Nothing else in aiotest reads the environment.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import os
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from typing import Any, Protocol, TypeVar

from ._messages import (
    ENV_NOT_A_LOOP,
    ENV_NOT_A_SWITCH,
    ENV_NOT_SECONDS,
    ENV_UVLOOP_MISSING,
    SETTING_HIDDEN_BY_BASE,
    SETTING_LOOP_NAMED,
    SETTING_NOT_A_FACTORY,
    SETTING_NOT_A_SWITCH,
    SETTING_SECONDS_POSITIVE,
    SETTING_SECONDS_ZERO_OR_MORE,
)

__all__ = [
    "SETTING_NAMES",
    "STRICT_CHECKS",
    "Settings",
    "SettingsError",
    "SettingsTypeError",
    "apply_setting",
    "asyncio_debug_from_env",
    "check_setting",
    "class_name",
    "environment_defaults",
    "loop_factory_from_env",
    "resolve_settings",
    "settings_from_layers",
    "validate_class_settings",
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

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})

#: The checks that ``strict`` switches on.
STRICT_CHECKS = ("catch_loop_exceptions", "check_leaks", "raise_server_exceptions")

_T = TypeVar("_T")


class SettingsError(ValueError):
    """A setting aiotest cannot use; the message names it, its value and what to write."""


class SettingsTypeError(SettingsError, TypeError):
    """A setting of the wrong type (a :exc:`TypeError` too)."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """The settings one test runs with, resolved once before its loop is made.

    ``strict`` is kept for reporting; what it switched on is already in the three check
    fields, which are the ones to read.
    """

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
        if self.virtual_time:
            # A shorthand: the loop factory, wrapped, makes the test's loop as ever. For
            # loops whose clock it cannot control, making the loop fails, naming the setting.
            from ._virtual_loop import virtual_loop_factory_for_settings

            wrapped = virtual_loop_factory_for_settings(self.loop_factory)
            object.__setattr__(self, "loop_factory", wrapped)


SETTING_NAMES = tuple(field.name for field in dataclasses.fields(Settings))


# --- values -------------------------------------------------------------------------------


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _seconds(where: str, value: object, *, allow_zero: bool) -> float | None:
    if value is None:
        return None
    template = SETTING_SECONDS_ZERO_OR_MORE if allow_zero else SETTING_SECONDS_POSITIVE
    message = template.format(where=where, value=value)
    if not _is_number(value):
        raise SettingsTypeError(message)
    seconds = float(value)  # type: ignore[arg-type]  # _is_number: an int or a float
    if not (math.isfinite(seconds) and (seconds >= 0 if allow_zero else seconds > 0)):
        raise SettingsError(message)
    return seconds


def _factory(where: str, value: object, what: str) -> object:
    if value is None or callable(value):
        return value
    if isinstance(value, str) and what == "an event loop":
        raise SettingsTypeError(SETTING_LOOP_NAMED.format(where=where, value=value))
    raise SettingsTypeError(
        SETTING_NOT_A_FACTORY.format(
            where=where, what=what, type_name=type(value).__name__, value=value
        )
    )


def _switch(where: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise SettingsTypeError(
            SETTING_NOT_A_SWITCH.format(where=where, type_name=type(value).__name__, value=value)
        )
    return value


_CHECKS: dict[str, Callable[[str, object], object]] = {
    "loop_factory": lambda where, value: _factory(where, value, "an event loop"),
    "executor_factory": lambda where, value: _factory(where, value, "an executor"),
    "timeout": lambda where, value: _seconds(where, value, allow_zero=False),
    "slow_callback_duration": lambda where, value: _seconds(where, value, allow_zero=True),
}


def check_setting(name: str, value: object, where: str) -> Any:
    """Return ``value`` as setting ``name`` uses it, or raise a :exc:`SettingsError`.

    ``where`` names the place the value was written, for the message: ``@aiotest.timeout()``
    or ``the class attribute Case.timeout``.
    """
    return _CHECKS.get(name, _switch)(where, value)


# --- environment --------------------------------------------------------------------------


class _Flags(Protocol):
    @property
    def dev_mode(self) -> bool: ...

    @property
    def ignore_environment(self) -> int: ...


def asyncio_debug_from_env(environ: Mapping[str, str], flags: _Flags = sys.flags) -> bool:
    """Whether asyncio itself starts loops in debug mode (asyncio.coroutines' own rule).

    ``-X dev`` turns it on; so does any non-empty ``PYTHONASYNCIODEBUG``, "0" included,
    unless ``-E`` tells Python to ignore its environment variables.
    """
    return bool(flags.dev_mode or (not flags.ignore_environment and environ.get(ENV_DEBUG)))


def _env_flag(environ: Mapping[str, str], var: str) -> bool | None:
    value = environ.get(var)
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SettingsError(ENV_NOT_A_SWITCH.format(var=var, value=value))


def loop_factory_from_name(name: str, source: str) -> LoopFactory | None:
    """Return the loop factory called ``name`` ('asyncio' or 'uvloop')."""
    lowered = name.strip().lower()
    if lowered in ("", "asyncio", "default"):
        return None
    if lowered == "uvloop":
        try:
            import uvloop
        except ImportError:
            raise SettingsError(ENV_UVLOOP_MISSING.format(source=source)) from None
        factory: LoopFactory = uvloop.new_event_loop
        return factory
    raise SettingsError(ENV_NOT_A_LOOP.format(var=ENV_LOOP, value=name))


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
        raise SettingsError(ENV_NOT_SECONDS.format(var=ENV_TIMEOUT, value=value)) from None
    if not (math.isfinite(seconds) and seconds > 0):
        raise SettingsError(ENV_NOT_SECONDS.format(var=ENV_TIMEOUT, value=value))
    return seconds


# The variables environment_defaults() reads; what it made of their last values.
_ENV_VARS = (ENV_LOOP, ENV_DEBUG, ENV_TIMEOUT, ENV_STRICT, ENV_VIRTUAL_TIME)
_last_environment: tuple[tuple[str | None, ...], dict[str, Any]] | None = None


def environment_defaults(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the settings that the environment sets for the whole run.

    A value aiotest cannot use raises :exc:`SettingsError`; this runs when a test's
    settings are resolved, so a bad value fails each test instead of the whole run.
    """
    global _last_environment
    if environ is not None:
        return _read_environment(environ)
    # Read for every test, and the same from one test to the next: parsed again only
    # when a value changed (a test may set a variable for the tests after it).
    values = tuple(map(os.environ.get, _ENV_VARS))
    last = _last_environment
    if last is not None and last[0] == values:
        return dict(last[1])
    defaults = _read_environment(os.environ)
    _last_environment = (values, defaults)
    return dict(defaults)


def _read_environment(env: Mapping[str, str]) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    if ENV_LOOP in env:
        defaults["loop_factory"] = loop_factory_from_env(env)
    if asyncio_debug_from_env(env):
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


# --- class attributes and decorators ------------------------------------------------------


def class_name(klass: type) -> str:
    """The class's dotted name as its module sees it, without a function's ``<locals>``."""
    return klass.__qualname__.rpartition("<locals>.")[2]


def _user_classes(cls: type, base: type) -> list[type]:
    """The classes of ``cls``'s MRO before ``base``, broadest first.

    Attributes set on ``base`` and above are aiotest's own defaults and leave room for
    the environment.
    """
    mro = cls.__mro__
    end = mro.index(base) if base in mro else len(mro)
    return list(mro[end - 1 :: -1]) if end else []


def _class_attributes(klass: type) -> dict[str, Any]:
    """The settings ``klass`` itself sets as class attributes, checked.

    Functions come back as given, never bound: ``loop_factory = uvloop.new_event_loop``
    is a factory, not a method.
    """
    found: dict[str, Any] = {}
    own = vars(klass)
    for name in SETTING_NAMES:
        if name in own:
            value = own[name]
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            where = f"the class attribute {class_name(klass)}.{name}"
            found[name] = check_setting(name, value, where)
    return found


def validate_class_settings(cls: type, base: type) -> None:
    """Check every setting that ``cls`` or a class between it and ``base`` sets.

    Called when a test case class is created, so a wrong value fails at import with the
    message the same-named decorator gives.
    """
    for klass in _user_classes(cls, base):
        _class_attributes(klass)
    # A mixin listed after base: Python finds base's default first, so the mixin's value
    # would never be used, by aiotest or by any code reading it from the class.
    for klass in _classes_after(cls, base):
        hidden = [name for name in SETTING_NAMES if name in vars(klass)]
        if hidden:
            raise SettingsTypeError(
                SETTING_HIDDEN_BY_BASE.format(
                    mixin=class_name(klass), name=hidden[0], case=class_name(cls)
                )
            )


def _classes_after(cls: type, base: type) -> list[type]:
    """The classes of ``cls``'s MRO after ``base`` that are not ``base``'s own ancestors."""
    mro = cls.__mro__
    after = mro[mro.index(base) + 1 :] if base in mro else ()
    return [klass for klass in after if klass not in base.__mro__]


def _decorated(obj: object) -> dict[str, Any]:
    found = getattr(obj, SETTINGS_ATTRIBUTE, None)
    return dict(found) if isinstance(found, dict) else {}


def _layers(
    case_class: type, method: object, base: type, environ: Mapping[str, str] | None
) -> list[dict[str, Any]]:
    """Every place that sets settings for one test, broadest first."""
    layers = [environment_defaults(environ)]
    layers += [_class_attributes(klass) for klass in _user_classes(case_class, base)]
    # Decorated mixins count wherever they sit in the MRO; a subclass wins over its base.
    for klass in reversed(case_class.__mro__):
        found = vars(klass).get(SETTINGS_ATTRIBUTE)
        if isinstance(found, dict):
            layers.append(dict(found))
    layers.append(_decorated(method))
    return layers


def _last_layer_setting(layers: list[dict[str, Any]], name: str) -> int:
    return max((index for index, layer in enumerate(layers) if name in layer), default=-1)


def resolve_settings(
    case_class: type,
    method: object,
    base: type,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve the settings of one test: ``method`` of ``case_class``.

    ``base`` is aiotest's own test case class; attributes found on it or above it are the
    defaults that the environment may override. Raises :exc:`SettingsError` for a value
    aiotest cannot use, from the environment or a class attribute changed after the
    class was made.
    """
    return settings_from_layers(_layers(case_class, method, base, environ))


def settings_from_layers(layers: list[dict[str, Any]]) -> Settings:
    """Resolve checked settings given broadest first (later wins; ``strict`` as above).

    The pytest plugin's layers: the environment, then ini and command line, then markers.
    """
    values: dict[str, Any] = {}
    for layer in layers:
        values.update(layer)
    if values.get("strict"):
        strict_layer = _last_layer_setting(layers, "strict")
        for check in STRICT_CHECKS:
            # A check set at strict's own level or a narrower one was chosen on purpose.
            if _last_layer_setting(layers, check) < strict_layer:
                values[check] = True
    return Settings(**values)


def apply_setting(target: _T, name: str, value: Any) -> _T:
    """Record ``name = value`` on a test method or a test case class; return the target."""
    own = vars(target).get(SETTINGS_ATTRIBUTE) if isinstance(target, type) else None
    if isinstance(target, type):
        settings = dict(own) if isinstance(own, dict) else {}
    else:
        settings = _decorated(target)
    settings[name] = value
    setattr(target, SETTINGS_ATTRIBUTE, settings)
    return target

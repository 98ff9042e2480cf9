"""aiotest's pytest plugin: async tests, async fixtures and aiohttp's fixtures on aiotest's engine.

Enable it with ``-p aiotest.pytest_plugin`` or ``pytest_plugins = ["aiotest.pytest_plugin"]``
in a conftest; it is never loaded on its own. Each test that needs a loop (an ``async def``
test, an async fixture, the ``loop`` fixture or one built on it) runs in a
:class:`~aiotest._session.TestSession`: a fresh loop made from aiotest's settings, the
guards, the real-time timeout and the report of what the test left behind. Tests marked
``asyncio`` belong to pytest-asyncio and are left to it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import dataclasses
import inspect
import socket
import sys
import unittest
from collections.abc import Awaitable, Callable, Generator, Iterator, Sequence
from typing import Any

import pytest
from aiohttp import web

from . import _watchdog
from ._client import TestClient
from ._compat import (
    call_arguments_of,
    fixture_function_of,
    resolved_fixture_argnames,
    resolved_fixture_function,
    resolved_fixture_functions,
    set_fixture_function,
    visible_fixture,
)
from ._hygiene import debugger_attached, format_pending_tasks
from ._messages import (
    BAD_EVENT_LOOP_POLICY,
    BAD_THREAD_POOL_EXECUTOR,
    BAD_THREAD_POOL_SIZE,
    FIXTURES_CONFLICT,
    WIDE_FIXTURE_ABANDONED,
    WIDE_FIXTURE_TIMEOUT,
)
from ._proxy import TCPProxy
from ._runner import CANCEL_GRACE, LoopRunner, StepAbandoned
from ._server import (
    BaseTestServer,
    RawTestServer,
    TestServer,
    get_unused_port_socket,
    unused_port,
)
from ._server_errors import format_handler_errors
from ._services import ServiceGroup
from ._session import TestSession, make_loop
from ._settings import (
    SETTING_NAMES,
    Settings,
    SettingsError,
    check_setting,
    environment_defaults,
    loop_factory_from_name,
    settings_from_layers,
)

__all__ = ["AiotestFailed", "fixture"]

#: The marker that sets aiotest settings: ``@pytest.mark.aiotest(timeout=5, strict=True)``.
MARKER = "aiotest"
#: aiomisc's markers, under their own names: each switches its check on.
SWITCH_MARKERS = ("catch_loop_exceptions", "forbid_get_event_loop")
#: The fixtures whose use puts a test on aiotest's loop.
LOOP_FIXTURE = "loop"

MARKER_HELP = (
    "aiotest(**settings): aiotest settings for this test (timeout=, strict=, loop_debug=, "
    "loop_factory=, executor_factory=, check_leaks=, catch_loop_exceptions=, "
    "forbid_get_event_loop=, raise_server_exceptions=, slow_callback_duration=)"
)
SWITCH_MARKER_HELP = "{name}: switch aiotest's {name} check on for this test"
UNKNOWN_SETTING = "@pytest.mark.aiotest({name}=...) names no aiotest setting: use one of {names}"
MARKER_ARGS = (
    "@pytest.mark.aiotest takes settings as keywords, not positional arguments {args!r}: "
    "write @pytest.mark.aiotest(timeout=5)"
)
SWITCH_MARKER_ARGS = (
    "@pytest.mark.{name} takes no arguments (got {args!r}); to switch the check off, "
    "write @pytest.mark.aiotest({name}=False)"
)
UNKNOWN_LOOP = (
    "{option} {value!r}: aiotest knows the loops 'asyncio' (also 'pyloop'), 'uvloop' and "
    "'all'; separate several with commas"
)
BAD_OPTION_VALUE = "{option}: {problem}"
NO_SESSION = "{what} needs aiotest's loop, but {test} does not run on it: {reason}"
MARKED_ASYNCIO = (
    "the test is marked asyncio, so pytest-asyncio runs it; drop the asyncio marker to run it "
    "on aiotest's loop, or use pytest-asyncio's own fixtures"
)
UNITTEST_CASE = "it is a unittest test case; aiotest.AsyncTestCase gives it a loop of its own"
WIDER_SCOPE_ASYNC_FIXTURE = (
    "the async fixture {name!r} has scope {scope!r}, but the loop of one test closes when "
    "the test ends: give it function scope, or a loop of its scope with "
    "@aiotest.pytest_plugin.fixture(scope={scope!r}) (and mark the tests that use it "
    "@pytest.mark.aiotest(loop_scope={scope!r}))"
)
LOOP_NEEDS_EVENT_LOOP = (
    "the 'loop' fixture that {test} gets takes 'event_loop', a fixture no active plugin "
    "defines (pytest-asyncio 1.0 removed it): delete that 'loop' fixture from your conftest, "
    "aiotest's plugin provides 'loop' itself"
)
LOOP_SCOPE = "loop_scope"
MARKER_LOOP_SCOPE = "@pytest.mark.aiotest(loop_scope=...)"
BAD_LOOP_SCOPE = "{where} takes one of {scopes} (or 'function'), not {value!r}"
OTHER_LOOP_SIGNS = ("attached to a different loop", "Event loop is closed", "different event loop")
OTHER_LOOP_NOTE = (
    "The test ran on the loop {loop}; these fixtures ran on another:\n{fixtures}\n"
    "Objects made by a fixture are bound to its loop: give the fixture and the test the same "
    "loop scope (aiotest.pytest_plugin.fixture(scope=..., loop_scope=...) and "
    "@pytest.mark.aiotest(loop_scope=...))"
)
OTHER_LOOP_FIXTURE = "- {name!r} ({scope} scope) on {loop}, defined at {where}"
UNKNOWN_CLIENT_ARGUMENT = (
    "aiohttp_client() takes an aiohttp.web.Application or a test server (aiotest's, or "
    "aiohttp's own), not {type_name} ({value!r})"
)
HANDLER_ERRORS_NOTE = "Meanwhile request handlers raised {count} unhandled exception(s):\n"
HANDLER_ERRORS_RAISED = (
    "Request handlers raised {count} unhandled exception(s) (raise_server_exceptions):\n"
)
ASYNCIO_AUTO_MODE = (
    "pytest-asyncio runs in auto mode (asyncio_mode = auto), so it would claim every async "
    "test that aiotest's plugin runs: set asyncio_mode = strict (pytest-asyncio's default) "
    "and mark the tests it should run with @pytest.mark.asyncio, or disable one of the two "
    "plugins (-p no:asyncio)"
)

#: Plugins that define aiohttp's fixtures too: pytest-aiohttp's entry point. (aiohttp's own
#: plugin defines --aiohttp-loop as well, so pytest stops before this check is reached.)
OTHER_AIOHTTP_PLUGINS = ("aiohttp",)
OTHER_AIOHTTP_PLUGIN = (
    "the pytest plugin {name!r} is active too, and it defines aiohttp_client, "
    "aiohttp_server and loop as aiotest's plugin does: disable it with -p no:{name} (or "
    "remove it from pytest_plugins), or leave out aiotest.pytest_plugin"
)

_LOOP_NAMES = {"asyncio": "asyncio", "pyloop": "asyncio", "default": "asyncio", "uvloop": "uvloop"}

_SESSION: pytest.StashKey[TestSession] = pytest.StashKey()
_RUN: pytest.StashKey[_RunOptions] = pytest.StashKey()


class AiotestFailed(pytest.fail.Exception):  # type: ignore[name-defined,misc]
    """A problem aiotest found (timeout, leak, loop exception): its report is the message."""

    def __init__(self, msg: str) -> None:
        super().__init__(msg, pytrace=False)


class _RunOptions:
    """The run's settings from the environment, the command line and ini file, read once."""

    def __init__(
        self, layer: dict[str, Any], loop_names: list[str], *, asyncio_plugin: bool = False
    ) -> None:
        self.layer = layer
        self.loop_names = loop_names
        #: pytest-asyncio is active: tests marked asyncio are its own.
        self.asyncio_plugin = asyncio_plugin
        #: The settings of a test without markers, for each loop name.
        self.settings: dict[str | None, Settings] = {}
        self._environment: dict[str, Any] | SettingsError
        try:
            self._environment = environment_defaults()
        except SettingsError as exc:
            # A bad value fails each test that needs it, as it does in the unittest classes.
            self._environment = exc
        self._layers: dict[str | None, list[dict[str, Any]]] = {}

    def base_layers(self, loop_name: str | None) -> list[dict[str, Any]]:
        """The environment's and the run's settings, broadest first."""
        if isinstance(self._environment, SettingsError):
            raise self._environment
        layers = self._layers.get(loop_name)
        if layers is None:
            run_layer = dict(self.layer)
            if loop_name is not None:
                where = f"--aiotest-loop {loop_name}"
                run_layer["loop_factory"] = loop_factory_from_name(loop_name, where)
            layers = self._layers[loop_name] = [self._environment, run_layer]
        return layers


# --- options and markers ----------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("aiotest", "aiotest: async tests on a fresh loop per test")
    group.addoption(
        "--aiotest-loop",
        "--aiohttp-loop",
        dest="aiotest_loop",
        default=None,
        help="loops to run every async test on, comma-separated: asyncio (or pyloop), "
        "uvloop, all; several parametrize the tests",
    )
    group.addoption(
        "--aiotest-timeout",
        dest="aiotest_timeout",
        default=None,
        help="seconds each async test may take, setup and teardown included",
    )
    group.addoption(
        "--aiotest-strict",
        dest="aiotest_strict",
        action="store_true",
        default=None,
        help="fail tests on loop exceptions, leaks and handler exceptions",
    )
    group.addoption(
        "--aiotest-debug",
        dest="aiotest_debug",
        action="store_true",
        default=None,
        help="run the test loops in asyncio debug mode",
    )
    parser.addini("aiotest_loop", "loops to run async tests on (as --aiotest-loop)", default="")
    parser.addini("aiotest_timeout", "seconds each async test may take", default="")
    parser.addini("aiotest_strict", "aiotest's strict checks for every test", type="bool")
    parser.addini("aiotest_debug", "asyncio debug mode for every test loop", type="bool")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    for name in SWITCH_MARKERS:
        config.addinivalue_line("markers", SWITCH_MARKER_HELP.format(name=name))
    asyncio_plugin = config.pluginmanager.has_plugin("asyncio")
    config.stash[_RUN] = _RunOptions(
        _run_layer(config), _loop_names(config), asyncio_plugin=asyncio_plugin
    )
    for name in OTHER_AIOHTTP_PLUGINS:
        if config.pluginmanager.has_plugin(name):
            raise pytest.UsageError(OTHER_AIOHTTP_PLUGIN.format(name=name))
    mode = config.getoption("asyncio_mode", None) or _ini_or_none(config, "asyncio_mode")
    if asyncio_plugin and str(mode or "strict") == "auto":
        raise pytest.UsageError(ASYNCIO_AUTO_MODE)


def _ini_or_none(config: pytest.Config, name: str) -> Any:
    try:
        return config.getini(name)
    except ValueError:  # not registered: the plugin that owns it is not active
        return None


def _loop_names(config: pytest.Config) -> list[str]:
    cli = config.getoption("aiotest_loop")
    option = "--aiotest-loop" if cli is not None else "the ini setting aiotest_loop"
    text = cli if cli is not None else str(config.getini("aiotest_loop"))
    names: list[str] = []
    for raw in text.split(","):
        value = raw.strip().lower()
        if not value:
            continue
        found = ["asyncio", "uvloop"] if value == "all" else [_LOOP_NAMES.get(value, "")]
        if not all(found):
            raise pytest.UsageError(UNKNOWN_LOOP.format(option=option, value=raw.strip()))
        for name in found:
            try:
                loop_factory_from_name(name, f"{option} {name}")
            except SettingsError as exc:
                raise pytest.UsageError(str(exc)) from None
            if name not in names:
                names.append(name)
    return names


def _run_layer(config: pytest.Config) -> dict[str, Any]:
    """The settings of the whole run from the command line, or else the ini file."""
    layer: dict[str, Any] = {}
    timeout = config.getoption("aiotest_timeout")
    where = "--aiotest-timeout"
    if timeout is None:
        timeout, where = config.getini("aiotest_timeout"), "the ini setting aiotest_timeout"
    if str(timeout).strip():
        try:
            layer["timeout"] = check_setting("timeout", float(timeout), where)
        except (ValueError, SettingsError):
            problem = f"{timeout!r} is not a number of seconds greater than 0"
            raise pytest.UsageError(
                BAD_OPTION_VALUE.format(option=where, problem=problem)
            ) from None
    for name, setting in (("strict", "strict"), ("debug", "loop_debug")):
        value = config.getoption(f"aiotest_{name}")
        if value is None and config.getini(f"aiotest_{name}"):
            value = True
        if value:
            layer[setting] = True
    return layer


def _marker_layers(item: pytest.Item) -> list[dict[str, Any]]:
    """The settings the markers on ``item``, its class and module set, broadest first."""
    layers: list[dict[str, Any]] = []
    for mark in reversed(list(item.iter_markers())):
        if mark.name == MARKER:
            if mark.args:
                raise SettingsError(MARKER_ARGS.format(args=mark.args))
            layer: dict[str, Any] = {}
            for name, value in mark.kwargs.items():
                if name == LOOP_SCOPE:
                    continue  # not a setting: read by _loop_scope_of()
                if name not in SETTING_NAMES:
                    raise SettingsError(
                        UNKNOWN_SETTING.format(name=name, names=", ".join(SETTING_NAMES))
                    )
                where = f"@pytest.mark.aiotest({name}=...)"
                layer[name] = check_setting(name, value, where)
            layers.append(layer)
        elif mark.name in SWITCH_MARKERS:
            if mark.args or mark.kwargs:
                raise SettingsError(
                    SWITCH_MARKER_ARGS.format(name=mark.name, args=mark.args or mark.kwargs)
                )
            layers.append({mark.name: True})
    return layers


def item_settings(item: pytest.Item, loop_name: str | None) -> Settings:
    """Resolve the settings of one test: environment < ini < command line < markers."""
    options = item.config.stash[_RUN]
    if loop_name is None and options.loop_names:
        loop_name = options.loop_names[0]
    layers = _marker_layers(item)
    if not layers:
        # Most tests set nothing of their own: their settings are the run's, made once.
        cached = options.settings.get(loop_name)
        if cached is None:
            cached = options.settings[loop_name] = settings_from_layers(
                options.base_layers(loop_name)
            )
        return cached
    return settings_from_layers([*options.base_layers(loop_name), *layers])


# --- which tests run on aiotest's loop ---------------------------------------------------

_ASYNC: dict[Any, bool] = {}


def _is_async(func: object) -> bool:
    try:
        return _ASYNC[func]
    except KeyError:
        found = _ASYNC[func] = inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func)
        return found
    except TypeError:  # an unhashable callable
        return inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func)


def _not_ours(item: Any) -> str | None:
    """Why ``item`` does not run on aiotest's loop, or None when it does."""
    cls = getattr(item, "cls", None)
    if isinstance(cls, type) and issubclass(cls, unittest.TestCase):
        return UNITTEST_CASE
    if item.config.stash[_RUN].asyncio_plugin and item.get_closest_marker("asyncio") is not None:
        return MARKED_ASYNCIO
    return None


def _needs_session(item: Any) -> bool:
    if _not_ours(item) is not None:
        return False
    if inspect.iscoroutinefunction(getattr(item, "obj", None)):
        return True
    functions = resolved_fixture_functions(item)
    return any(name in functions for name in LOOP_BOUND_FIXTURES) or any(
        _is_async(func) for func in functions.values()
    )


#: aiotest's fixtures that work on the test's loop. They take the session fixture only (each
#: fixture in a closure costs every test): the loop and the client class come from it.
LOOP_BOUND_FIXTURES = (LOOP_FIXTURE, "aiohttp_client", "aiohttp_server", "aiohttp_raw_server")
CLIENT_CLASS_FIXTURE = "aiohttp_client_cls"


class _Plan:
    """What the plugin needs to know of one test, worked out once (at its first setup)."""

    __slots__ = ("client_class", "needs_session", "overrides", "user_loop")

    def __init__(self, item: pytest.Item) -> None:
        self.needs_session = _needs_session(item)
        names = set(getattr(item, "fixturenames", ()))
        #: The overridable fixtures this test gets (a suite's own definitions, see below).
        self.overrides = tuple(name for name in OVERRIDABLE_FIXTURES if name in names)
        defined = _suite_fixtures(item.parent) if item.parent is not None else {}
        uses_loop = any(name in names for name in LOOP_BOUND_FIXTURES)
        # A `loop` or `aiohttp_client_cls` of the suite's own, for the tests that use
        # aiotest's loop-bound fixtures (or ask for it): read from the session fixture.
        loop = resolved_fixture_function(item, LOOP_FIXTURE)
        self.user_loop = uses_loop and (
            (loop is not None and not _is_own_loop_fixture(loop)) or LOOP_FIXTURE in defined
        )
        self.client_class = "aiohttp_client" in names and (
            CLIENT_CLASS_FIXTURE in names or CLIENT_CLASS_FIXTURE in defined
        )


_PLAN: pytest.StashKey[_Plan] = pytest.StashKey()


def _plan_of(item: pytest.Item) -> _Plan:
    plan = item.stash.get(_PLAN, None)
    if plan is None:
        plan = item.stash[_PLAN] = _Plan(item)
    return plan


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A conftest `loop` fixture written for pytest-asyncio before 1.0 returns its
    # event_loop fixture, which pytest-asyncio 1.0 removed: say what to change, once,
    # before any test runs, instead of a "fixture not found" error per test.
    for item in items:
        argnames = resolved_fixture_argnames(item, LOOP_FIXTURE)
        if argnames:
            missing = resolved_fixture_function(item, "event_loop") is None
        else:
            # A suite's `loop` that aiohttp's fixtures read is not in the test's closure.
            parent = item.parent
            argnames = _suite_fixtures(parent).get(LOOP_FIXTURE, ()) if parent else ()
            names = getattr(item, "fixturenames", ())
            if "event_loop" not in argnames or not any(n in names for n in LOOP_BOUND_FIXTURES):
                continue
            missing = visible_fixture(parent, "event_loop") is None
        if "event_loop" in argnames and missing:
            raise pytest.UsageError(LOOP_NEEDS_EVENT_LOOP.format(test=item.nodeid))


#: Fixtures a suite may define to change how its tests run. The plugin defines each (doing
#: nothing) so that it can be overridden, but a test's closure holds one only where the
#: suite defines it or a test asks for it: each fixture in a closure costs every test.
OVERRIDABLE_FIXTURES = (
    "aiotest_loop_factory",
    "aiotest_executor_factory",
    "event_loop_policy",
    "thread_pool_executor",
    "thread_pool_size",
    "services",
)
_LOOP_NAME_FIXTURE = "_aiotest_loop_name"
#: The names whose suite definitions the plugin looks for, for each module and class.
_SUITE_FIXTURE_NAMES = (*OVERRIDABLE_FIXTURES, LOOP_FIXTURE, CLIENT_CLASS_FIXTURE)
_SUITE: pytest.StashKey[dict[str, tuple[str, ...]]] = pytest.StashKey()
_PARAMETRIZED: pytest.StashKey[set[str]] = pytest.StashKey()


def _suite_fixtures(collector: Any) -> dict[str, tuple[str, ...]]:
    """The suite's own fixtures of :data:`_SUITE_FIXTURE_NAMES`, with their arguments.

    For tests under ``collector`` (a module or a class); worked out once for each.
    """
    cached: dict[str, tuple[str, ...]] | None = collector.stash.get(_SUITE, None)
    if cached is not None:
        return cached
    found: dict[str, tuple[str, ...]] = {}
    parametrized: set[str] = set()
    for name in _SUITE_FIXTURE_NAMES:
        fixture_def = visible_fixture(collector, name)
        if fixture_def is not None and _is_suites(fixture_def[0]):
            found[name] = fixture_def[1]
            if fixture_def[2]:
                parametrized.add(name)
    collector.stash[_SUITE] = found
    collector.stash[_PARAMETRIZED] = parametrized
    return found


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(
    collector: pytest.Module | pytest.Class, name: str, obj: object
) -> None:
    # Before pytest makes the first test of a module or class (its own fixtures are known
    # by then), the fixtures the suite overrides are added to the tests' closures, with a
    # usefixtures marker on the collector, so that their params parametrize the tests.
    # A `loop` or `aiohttp_client_cls` of the suite's own is read when a test needs it,
    # unless it has params: then it joins the closures too.
    if _SUITE in collector.stash or not callable(obj):
        return
    defined = _suite_fixtures(collector)
    parametrized = collector.stash[_PARAMETRIZED]
    names = [fixture_name for fixture_name in OVERRIDABLE_FIXTURES if fixture_name in defined]
    names.extend(
        fixture_name
        for fixture_name in (LOOP_FIXTURE, CLIENT_CLASS_FIXTURE)
        if fixture_name in parametrized
    )
    if len(collector.config.stash[_RUN].loop_names) > 1:
        names.append(_LOOP_NAME_FIXTURE)
    if names:
        collector.add_marker(pytest.mark.usefixtures(*names))


def _is_suites(func: Callable[..., Any] | None) -> bool:
    """True for a fixture function the suite defines, not one of this plugin's defaults."""
    return func is not None and getattr(func, "__module__", None) != __name__


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    names = metafunc.config.stash[_RUN].loop_names
    wanted = len(names) > 1 and _LOOP_NAME_FIXTURE in metafunc.fixturenames
    if wanted and _needs_session(metafunc.definition):
        metafunc.parametrize(_LOOP_NAME_FIXTURE, names, ids=names, scope="function")


@pytest.fixture
def _aiotest_loop_name() -> str | None:
    """The loop of this test when --aiotest-loop names several (then parametrized)."""
    return None


@pytest.fixture
def aiotest_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """Makes each test's loop; None takes it from the settings.

    Override it (parametrize it) in a conftest to run tests on several loops.
    """
    return None


@pytest.fixture
def aiotest_executor_factory() -> Callable[[], Any] | None:
    """Makes each test loop's default executor; None: from the settings. Override it."""
    return None


@pytest.fixture
def event_loop_policy() -> Any:
    """An event loop policy whose ``new_event_loop()`` makes each test's loop (aiomisc's).

    None (the default) leaves the loop to the settings. Override (parametrize) it as in
    aiomisc's docs to run tests on asyncio's loop and on uvloop.
    """
    return None


@pytest.fixture
def thread_pool_executor() -> Any:
    """The executor class of each test loop, called with ``thread_pool_size`` (aiomisc's).

    None (the default) leaves the executor to the settings.
    """
    return None


@pytest.fixture
def thread_pool_size() -> int | None:
    """The number of threads of each test loop's default executor (aiomisc's fixture).

    None (the default): the executor's own default.
    """
    return None


def _override_layer(values: dict[str, Any]) -> dict[str, Any]:
    """The settings that the suite's own overridable fixtures set."""
    layer: dict[str, Any] = {}
    loop_factory = values.get("aiotest_loop_factory")
    policy = values.get("event_loop_policy")
    if loop_factory is not None and policy is not None:
        raise SettingsError(
            FIXTURES_CONFLICT.format(first="aiotest_loop_factory", second="event_loop_policy")
        )
    if loop_factory is not None:
        layer["loop_factory"] = check_setting(
            "loop_factory", loop_factory, "the fixture aiotest_loop_factory"
        )
    elif policy is not None:
        new_event_loop = getattr(policy, "new_event_loop", None)
        if not callable(new_event_loop):
            raise SettingsError(BAD_EVENT_LOOP_POLICY.format(value=policy))
        layer["loop_factory"] = new_event_loop
    executor_factory = values.get("aiotest_executor_factory")
    executor_class = values.get("thread_pool_executor")
    size = values.get("thread_pool_size")
    if executor_factory is not None and (executor_class is not None or size is not None):
        second = "thread_pool_executor" if executor_class is not None else "thread_pool_size"
        raise SettingsError(
            FIXTURES_CONFLICT.format(first="aiotest_executor_factory", second=second)
        )
    if executor_factory is not None:
        layer["executor_factory"] = check_setting(
            "executor_factory", executor_factory, "the fixture aiotest_executor_factory"
        )
    elif executor_class is not None or size is not None:
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
            raise SettingsError(BAD_THREAD_POOL_SIZE.format(value=size))
        if executor_class is not None and not callable(executor_class):
            raise SettingsError(BAD_THREAD_POOL_EXECUTOR.format(value=executor_class))
        layer["executor_factory"] = _executor_factory(
            executor_class or concurrent.futures.ThreadPoolExecutor, size
        )
    return layer


def _executor_factory(executor_class: Callable[..., Any], size: int | None) -> Callable[[], Any]:
    def make() -> Any:
        # aiomisc calls the class with the pool size; without one, its own default applies.
        return executor_class() if size is None else executor_class(size)

    return make


class _Run:
    """The value of ``_aiotest_session``: the test's session, and what aiotest's fixtures use.

    ``session`` is None for a test that does not run on aiotest's loop; ``client_class`` is
    the class ``aiohttp_client`` makes.
    """

    __slots__ = ("client_class", "item", "session")

    def __init__(
        self,
        item: pytest.Item,
        session: TestSession | None = None,
        client_class: type[Any] = TestClient,
    ) -> None:
        self.item = item
        self.session = session
        self.client_class = client_class


@pytest.fixture(autouse=True)
def _aiotest_session(request: pytest.FixtureRequest) -> Iterator[_Run]:
    """The engine's session of a test that runs on aiotest's loop, in a :class:`_Run`.

    Autouse, so that it is set up before every other function-scoped fixture and torn down
    after them: the leak check sees what they closed. The fixtures it reads (the
    overridable ones, ``services``) are asked for only when the test's closure holds them.
    """
    item = request.node
    plan = _plan_of(item)
    if not plan.needs_session:
        yield _Run(item)
        return
    values = {name: request.getfixturevalue(name) for name in plan.overrides}
    client_class = TestClient
    if plan.client_class:
        client_class = request.getfixturevalue(CLIENT_CLASS_FIXTURE)
    try:
        loop_name = None
        if _LOOP_NAME_FIXTURE in item.fixturenames:
            loop_name = request.getfixturevalue(_LOOP_NAME_FIXTURE)
        settings = item_settings(item, loop_name)
        if values:
            layer = _override_layer(values)
            if layer:
                settings = dataclasses.replace(settings, **layer)
    except SettingsError as exc:
        raise AiotestFailed(str(exc)) from None
    user_loop = _user_loop(request) if plan.user_loop else None
    loop_scope = _loop_scope_of(item)
    runner: LoopRunner | None = None
    context = None
    if loop_scope is not None:
        shared: _SharedLoop = request.getfixturevalue(_shared_loop_fixture_name(loop_scope))
        runner, context = shared.runner, shared.context.copy()
    elif user_loop is not None:
        runner = LoopRunner(user_loop)
    session = TestSession(settings, failure=AiotestFailed, runner=runner, context=context)
    item.stash[_SESSION] = session
    problems: list[str] = []
    try:
        session.open()
        group = ServiceGroup(values.get("services") or ())
        if group.services:
            session.run_awaitable(group.start(), "services")
        try:
            yield _Run(item, session, client_class)
        finally:
            if group.started:
                session.run_awaitable(group.stop(), "services")
        problems.extend(session.finish())
        if settings.raise_server_exceptions:
            errors = session.handler_errors()
            if errors:
                problems.append(
                    HANDLER_ERRORS_RAISED.format(count=len(errors)) + format_handler_errors(errors)
                )
    finally:
        session.exit()
        del item.stash[_SESSION]
    if problems:
        raise AiotestFailed("\n\n".join(problems))


def _user_loop(request: pytest.FixtureRequest) -> asyncio.AbstractEventLoop | None:
    """The loop of a ``loop`` fixture the suite defines itself, in place of aiotest's."""
    loop = request.getfixturevalue(LOOP_FIXTURE)
    return loop if isinstance(loop, asyncio.AbstractEventLoop) else None


def _session_for(request: pytest.FixtureRequest, what: str) -> TestSession:
    session: TestSession | None = request.node.stash.get(_SESSION, None)
    if session is None:
        reason = _not_ours(request.node) or "it is not a pytest test function"
        raise RuntimeError(NO_SESSION.format(what=what, test=request.node.nodeid, reason=reason))
    return session


def _checked_session(run: _Run, what: str) -> TestSession:
    """The session of the ``_aiotest_session`` a fixture took, or the error saying why none.

    aiotest's own fixtures take ``_aiotest_session`` rather than ``request``: pytest makes a
    new fixture definition for each request of ``request``, which every test pays for.
    """
    if run.session is not None:
        return run.session
    reason = _not_ours(run.item) or "it is not a pytest test function"
    raise RuntimeError(NO_SESSION.format(what=what, test=run.item.nodeid, reason=reason))


# --- running tests and async fixtures -------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    session = pyfuncitem.stash.get(_SESSION, None)
    func = pyfuncitem.obj
    if session is None or not inspect.iscoroutinefunction(func):
        return None
    try:
        session.run_async(func, **call_arguments_of(pyfuncitem))
    except BaseException as exc:
        session.note_reported(exc)
        _add_handler_errors_note(pyfuncitem, session, exc)
        _add_other_loop_note(pyfuncitem, session, exc)
        raise
    return True


def _add_note(item: pytest.Item, exc: BaseException, note: str) -> None:
    if sys.version_info < (3, 11):
        # pytest shows an exception's notes in its report from Python 3.11 on.
        item.add_report_section("call", "aiotest", note)
    notes = getattr(exc, "__notes__", None)
    if isinstance(notes, list):
        notes.append(note)
    else:
        with contextlib.suppress(AttributeError, TypeError):
            setattr(exc, "__notes__", [note])  # noqa: B010 - add_note() is 3.11+


def _add_other_loop_note(item: pytest.Item, session: TestSession, exc: BaseException) -> None:
    """Name the loops when the test used an object bound to another (a closed) loop."""
    if not any(sign in str(exc) for sign in OTHER_LOOP_SIGNS):
        return
    notes = _fixture_loops(item.config)
    others = [
        OTHER_LOOP_FIXTURE.format(
            name=name,
            scope=note.scope,
            loop=_loop_name(note.loop),
            where=_where(note.func),
        )
        for name, note in notes.items()
        if name in getattr(item, "fixturenames", ()) and note.loop is not session.loop
    ]
    if others:
        text = OTHER_LOOP_NOTE.format(loop=_loop_name(session.loop), fixtures="\n".join(others))
        _add_note(item, exc, text)


def _loop_name(loop: asyncio.AbstractEventLoop) -> str:
    state = "closed" if loop.is_closed() else "open"
    return f"{type(loop).__name__} at {id(loop):#x} ({state})"


def _where(func: Callable[..., Any]) -> str:
    code = getattr(func, "__code__", None)
    if code is None:
        return repr(func)
    return f"{code.co_filename}:{code.co_firstlineno}"


def _add_handler_errors_note(item: pytest.Item, session: TestSession, exc: BaseException) -> None:
    errors = session.handler_errors()
    report = format_handler_errors(errors)
    if not errors or report in str(exc):
        return
    _add_note(item, exc, HANDLER_ERRORS_NOTE.format(count=len(errors)) + report)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(
    fixturedef: Any, request: pytest.FixtureRequest
) -> Generator[None, Any, Any]:
    # A new-style wrapper: pluggy runs an old-style hookwrapper inside one more generator,
    # for every fixture setup of every test.
    func = fixture_function_of(fixturedef)
    if not _is_async(func) or _not_ours(request.node) is not None:
        return (yield)
    name = fixturedef.argname
    if fixturedef.scope == "function":
        session = _session_for(request, f"the async fixture {name!r}")

        def run(awaitable: Any, name: str, step: str) -> Any:
            return session.run_awaitable(awaitable, name)

        loop = session.loop
    else:
        loop_scope = getattr(func, LOOP_SCOPE_ATTRIBUTE, None)
        if loop_scope is None:
            raise AiotestFailed(WIDER_SCOPE_ASYNC_FIXTURE.format(name=name, scope=fixturedef.scope))
        shared: _SharedLoop = request.getfixturevalue(_shared_loop_fixture_name(loop_scope))
        scope = fixturedef.scope

        def run(awaitable: Any, name: str, step: str) -> Any:
            return shared.run_fixture_step(awaitable, name, scope, step)

        loop = shared.runner.loop
    _fixture_loops(request.config)[name] = _LoopNote(loop, fixturedef.scope, func)
    set_fixture_function(fixturedef, _on_loop(func, run, name))
    try:
        return (yield)
    finally:
        set_fixture_function(fixturedef, func)


def _on_loop(
    func: Callable[..., Any], run: Callable[[Any, str, str], Any], name: str
) -> Callable[..., Any]:
    """A sync stand-in for the async fixture ``func``; ``run`` awaits on the right loop."""
    if inspect.isasyncgenfunction(func):

        def generator(*args: Any, **kwargs: Any) -> Iterator[Any]:
            agen = func(*args, **kwargs)
            value = run(agen.__anext__(), name, "setup")
            yield value
            run(_finish_generator(agen, name), name, "teardown")

        return generator

    def coroutine(*args: Any, **kwargs: Any) -> Any:
        return run(func(*args, **kwargs), name, "setup")

    return coroutine


FIXTURE_YIELDED_TWICE = "the async fixture {name!r} yielded more than once; it must yield once"


async def _finish_generator(agen: Any, name: str) -> None:
    try:
        await agen.__anext__()
    except StopAsyncIteration:
        return
    await agen.aclose()
    raise RuntimeError(FIXTURE_YIELDED_TWICE.format(name=name))


# --- aiohttp's fixtures ------------------------------------------------------------------


@pytest.fixture
def loop(_aiotest_session: _Run) -> Any:
    """The test's event loop (made by aiotest from the settings)."""
    return _checked_session(_aiotest_session, "the fixture 'loop'").loop


def _is_own_loop_fixture(func: Callable[..., Any]) -> bool:
    return getattr(func, "__module__", None) == __name__ and func.__name__ == LOOP_FIXTURE


@pytest.fixture
def aiohttp_unused_port() -> Callable[[], int]:
    """A function that returns a free TCP port on 127.0.0.1."""
    return unused_port


@pytest.fixture
def aiohttp_client_cls() -> type[Any]:
    """The client class ``aiohttp_client`` makes; override it to use a subclass."""
    return TestClient


async def _close_all(closers: list[Callable[[], Awaitable[None]]]) -> None:
    # The newest first, and every one even when an earlier one fails.
    error: BaseException | None = None
    for close in reversed(closers):
        try:
            await close()
        except Exception as exc:
            error = error or exc
    if error is not None:
        raise error


@pytest.fixture
def aiohttp_server(
    _aiotest_session: _Run,
) -> Iterator[Callable[..., Awaitable[TestServer]]]:
    """A function that starts a TestServer for an app; each is closed after the test.

    Called as aiohttp's is: ``await aiohttp_server(app, *, port=None, **kwargs)``.
    """
    session = _checked_session(_aiotest_session, "the fixture 'aiohttp_server'")
    loop = session.loop
    closers: list[Callable[[], Awaitable[None]]] = []

    async def make(
        app: web.Application, *, host: str = "127.0.0.1", port: int | None = None, **kwargs: Any
    ) -> TestServer:
        server = TestServer(app, host=host, port=port)
        closers.append(server.close)
        await server.start_server(loop=loop, **kwargs)
        return server

    yield make
    session.run_awaitable(_close_all(closers), "aiohttp_server")


@pytest.fixture
def aiohttp_raw_server(
    _aiotest_session: _Run,
) -> Iterator[Callable[..., Awaitable[RawTestServer]]]:
    """A function that starts a RawTestServer for a handler; each is closed after the test.

    Called as aiohttp's is: ``await aiohttp_raw_server(handler, *, port=None, **kwargs)``.
    """
    session = _checked_session(_aiotest_session, "the fixture 'aiohttp_raw_server'")
    loop = session.loop
    closers: list[Callable[[], Awaitable[None]]] = []

    async def make(handler: Any, *, port: int | None = None, **kwargs: Any) -> RawTestServer:
        server = RawTestServer(handler, port=port)
        closers.append(server.close)
        await server.start_server(loop=loop, **kwargs)
        return server

    yield make
    session.run_awaitable(_close_all(closers), "aiohttp_raw_server")


def _is_foreign_server(value: object) -> bool:
    """True for a test server of another library (aiohttp's own test_utils module)."""
    return all(callable(getattr(value, name, None)) for name in _SERVER_METHODS) and hasattr(
        value, "scheme"
    )


_SERVER_METHODS = ("start_server", "make_url", "close")


def _foreign_client_class(server: object) -> Any:
    # aiotest's client serves aiotest's servers; a suite that builds aiohttp's own test
    # server gets the client class defined next to that server, as aiohttp's fixture does.
    module = sys.modules.get(type(server).__module__)
    client_cls = getattr(module, "TestClient", None)
    if client_cls is None:
        raise TypeError(
            UNKNOWN_CLIENT_ARGUMENT.format(type_name=type(server).__name__, value=server)
        )
    return client_cls


@pytest.fixture
def aiohttp_client(
    _aiotest_session: _Run,
) -> Iterator[Callable[..., Awaitable[Any]]]:
    """A function that makes a started client; each is closed (with its server) after the test.

    Called as aiohttp's is: ``await aiohttp_client(app_or_server, *, server_kwargs=None,
    **client_kwargs)``.
    """
    session = _checked_session(_aiotest_session, "the fixture 'aiohttp_client'")
    loop = session.loop
    aiohttp_client_cls = _aiotest_session.client_class
    closers: list[Callable[[], Awaitable[None]]] = []

    async def make(
        __param: Any, *, server_kwargs: dict[str, Any] | None = None, **kwargs: Any
    ) -> Any:
        if isinstance(__param, web.Application):
            server: Any = TestServer(__param, loop=loop, **(server_kwargs or {}))
        elif isinstance(__param, BaseTestServer) or _is_foreign_server(__param):
            server = __param
        else:
            raise TypeError(
                UNKNOWN_CLIENT_ARGUMENT.format(type_name=type(__param).__name__, value=__param)
            )
        client_cls = aiohttp_client_cls
        if client_cls is TestClient and not isinstance(server, BaseTestServer):
            client_cls = _foreign_client_class(server)
        client = client_cls(server, loop=loop, **kwargs)
        # Recorded before it starts: a server whose startup fails is closed all the same.
        closers.append(client.close)
        await client.start_server()
        return client

    yield make
    session.run_awaitable(_close_all(closers), "aiohttp_client")


# --- aiomisc's fixtures ------------------------------------------------------------------


@pytest.fixture
def services() -> Sequence[Any]:
    """Services to run during each test, started in order and stopped in reverse.

    Override it in a conftest or a module: objects with async ``start()`` and ``stop()``,
    such as aiomisc's ``Service``. A failing start stops those already started.
    """
    return ()


@pytest.fixture
def localhost() -> str:
    """The loopback address servers in tests listen on."""
    return "127.0.0.1"


@pytest.fixture
def tcp_proxy() -> type[TCPProxy]:
    """The TCPProxy class of aiotest, used as aiomisc's fixture is.

    ``async with tcp_proxy(host, port) as proxy:`` starts a proxy and closes it.
    """
    return TCPProxy


@pytest.fixture
def aiomisc_unused_port_factory(localhost: str) -> Iterator[Callable[[], int]]:
    """A function returning free ports, each kept reserved until the test ends.

    The port's socket is bound (not listening) with SO_REUSEADDR where aiotest sets it, so
    the test's own server can bind it while no other process can take it.
    """
    held: list[socket.socket] = []

    def reserve() -> int:
        sock = get_unused_port_socket(localhost)
        held.append(sock)
        port: int = sock.getsockname()[1]
        return port

    yield reserve
    for sock in held:
        sock.close()


@pytest.fixture
def aiomisc_unused_port(aiomisc_unused_port_factory: Callable[[], int]) -> int:
    """A free port on 127.0.0.1, reserved until the test ends."""
    return aiomisc_unused_port_factory()


# --- loops of wider scope ----------------------------------------------------------------

#: The scopes a shared loop can have, as pytest names them.
LOOP_SCOPES = ("class", "module", "package", "session")
#: Where aiotest.pytest_plugin.fixture() records a fixture's loop scope.
LOOP_SCOPE_ATTRIBUTE = "__aiotest_loop_scope__"


class _SharedLoop:
    """One loop for every test and fixture of a class, module, package or session.

    The setup and the teardown of each async fixture on it get the run's timeout (from
    the command line, the ini file or the environment), each on its own: a fixture that
    hangs fails with the pending tasks instead of hanging the run.
    """

    def __init__(self, runner: LoopRunner, timeout: float | None = None) -> None:
        self.runner = runner
        self.timeout = timeout
        self.context = contextvars.copy_context()

    def run(self, awaitable: Any, phase: str) -> Any:
        async def step() -> Any:
            return await awaitable

        return self.runner.run(step(), self.context)

    def run_fixture_step(self, awaitable: Any, name: str, scope: str, step: str) -> Any:
        """Run the setup or teardown ``step`` of the fixture ``name``, within the timeout."""
        timeout = self.timeout
        if timeout is None or debugger_attached():
            return self.run(awaitable, name)
        runner, loop = self.runner, self.runner.loop
        reports: list[str] = []

        def expire() -> None:  # on the loop's thread
            task = runner.current_task
            reports.append(
                WIDE_FIXTURE_TIMEOUT.format(
                    name=name,
                    scope=scope,
                    step=step,
                    seconds=timeout,
                    tasks=format_pending_tasks(loop, task, f"{name} ({step})"),
                )
            )
            runner.interrupt()

        def from_watchdog() -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(expire)

        alarm = _watchdog.arm(timeout, from_watchdog)
        try:
            result = self.run(awaitable, name)
        except StepAbandoned:
            report = reports[0] if reports else ""
            raise AiotestFailed(
                report + WIDE_FIXTURE_ABANDONED.format(grace=CANCEL_GRACE)
            ) from None
        except BaseException:
            if reports:
                raise AiotestFailed(reports[0]) from None
            raise
        finally:
            alarm.cancel()
        if reports:  # it blocked the loop past the deadline, and finished after it
            raise AiotestFailed(reports[0])
        return result


def _check_loop_scope(value: object, where: str) -> str:
    if value not in LOOP_SCOPES:
        raise SettingsError(
            BAD_LOOP_SCOPE.format(where=where, value=value, scopes=", ".join(LOOP_SCOPES))
        )
    return str(value)


def _loop_scope_of(item: pytest.Item) -> str | None:
    """The loop scope a test opted into with ``@pytest.mark.aiotest(loop_scope=...)``."""
    for mark in item.iter_markers(MARKER):
        if LOOP_SCOPE in mark.kwargs:
            value = mark.kwargs[LOOP_SCOPE]
            return None if value == "function" else _check_loop_scope(value, MARKER_LOOP_SCOPE)
    return None


def _shared_loop_fixture_name(scope: str) -> str:
    return f"_aiotest_{scope}_loop"


def _shared_loop_fixture(scope: str) -> Any:
    scope_name: Any = scope  # one of LOOP_SCOPES, which pytest's Literal type spells out

    @pytest.fixture(scope=scope_name, name=_shared_loop_fixture_name(scope))
    def shared_loop(request: pytest.FixtureRequest) -> Iterator[_SharedLoop]:
        node = request.node
        try:
            settings = settings_from_layers(node.config.stash[_RUN].base_layers(None))
        except SettingsError as exc:
            raise AiotestFailed(str(exc)) from None
        shared = _SharedLoop(LoopRunner(make_loop(settings)), settings.timeout)
        yield shared
        shared.runner.close()

    return shared_loop


_aiotest_class_loop = _shared_loop_fixture("class")
_aiotest_module_loop = _shared_loop_fixture("module")
_aiotest_package_loop = _shared_loop_fixture("package")
_aiotest_session_loop = _shared_loop_fixture("session")


def fixture(
    func: Callable[..., Any] | None = None,
    *,
    scope: str = "function",
    loop_scope: str | None = None,
    **kwargs: Any,
) -> Any:
    """``pytest.fixture`` for an async fixture of a wider scope, on a loop of ``loop_scope``.

    ``@aiotest.pytest_plugin.fixture(scope="module")`` runs the fixture on the module's
    loop (``loop_scope`` defaults to ``scope``); tests that use it opt into the same loop
    with ``pytestmark = pytest.mark.aiotest(loop_scope="module")``. Its setup and its
    teardown each get the run's timeout (``--aiotest-timeout``, the ini file or
    ``AIOTEST_TIMEOUT``), and fail with the pending tasks when they exceed it.
    """
    chosen = loop_scope or scope
    if scope != "function" or loop_scope is not None:
        chosen = _check_loop_scope(chosen, "aiotest.pytest_plugin.fixture(loop_scope=...)")

    def decorate(function: Callable[..., Any]) -> Any:
        if chosen != "function":
            setattr(function, LOOP_SCOPE_ATTRIBUTE, chosen)
        scope_name: Any = scope
        return pytest.fixture(function, scope=scope_name, **kwargs)

    return decorate(func) if func is not None else decorate


class _LoopNote:
    """The loop an async fixture ran on, for the report of a test that mixes loops."""

    def __init__(self, loop: asyncio.AbstractEventLoop, scope: str, func: Callable[..., Any]):
        self.loop = loop
        self.scope = scope
        self.func = func


_FIXTURE_LOOPS: pytest.StashKey[dict[str, _LoopNote]] = pytest.StashKey()


def _fixture_loops(config: pytest.Config) -> dict[str, _LoopNote]:
    return config.stash.setdefault(_FIXTURE_LOOPS, {})

"""Decorators kept so that suites written for older helpers run unchanged.

``run_until_complete``, ``run_forever`` and ``current_loop`` serve suites written for
aio.testing: decorated methods of a plain :class:`unittest.TestCase`, often generators that
``yield from`` coroutines and futures. ``unittest_run_loop`` serves aiohttp suites.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import inspect
import math
import numbers
import types
import unittest
import warnings
import weakref
from collections.abc import Callable, Generator, Iterator
from contextlib import AbstractContextManager
from typing import Any, ParamSpec, Protocol, TypeVar, cast, overload

from ._case import AsyncTestCase
from ._compat import event_loop_never_set, mark_event_loop_never_set, thread_event_loop
from ._loops import setup_test_loop, teardown_test_loop
from ._messages import (
    LEGACY_DECORATES_A_CLASS,
    LEGACY_LOOP_CLOSED,
    LEGACY_LOOP_IN_ASYNC_CASE,
    LEGACY_LOOP_IS_CONTEXT_MANAGER,
    LEGACY_LOOP_IS_GENERATOR,
    LEGACY_LOOP_NOT_A_LOOP,
    LEGACY_LOOP_NOT_CALLABLE,
    LEGACY_LOOP_NOT_CONTEXT_MANAGER,
    LEGACY_LOOP_RUNNING,
    LEGACY_NOT_CALLABLE,
    LEGACY_SECONDS_NOT_A_NUMBER,
    LEGACY_SECONDS_OUT_OF_RANGE,
    LOOP_ERROR_REPORTED,
    LOOP_STOPPED_EARLY,
    NO_CURRENT_LOOP,
    UNITTEST_RUN_LOOP_DEPRECATED,
    UNITTEST_RUN_LOOP_NOT_CALLABLE,
    UNITTEST_RUN_LOOP_ON_A_CLASS,
)
from ._settings import environment_defaults

__all__ = ["current_loop", "run_forever", "run_until_complete", "unittest_run_loop"]

_F = TypeVar("_F")
_P = ParamSpec("_P")

#: What ``loop=`` takes: called once per test, it returns a context manager yielding the loop.
LoopContextFactory = Callable[[], AbstractContextManager[asyncio.AbstractEventLoop]]


class LegacyDecorator(Protocol):
    """What ``run_until_complete(...)`` and ``run_forever(...)`` return when called."""

    def __call__(self, func: Callable[_P, Any], /) -> Callable[_P, None]: ...


def unittest_run_loop(func: _F, *args: Any, **kwargs: Any) -> _F:
    """Return ``func`` ready to run: test methods of AioHTTPTestCase may be ``async def``.

    A generator function (a test written before ``async def``) comes back as a coroutine
    function that drives it, as aiohttp's decorator did before 3.8. Emits a
    DeprecationWarning, starting with aiohttp's text, that points at the decorated method.
    A class or anything not callable is refused with a TypeError.
    """
    # Refused before the warning: with deprecations as errors it would hide the mistake.
    if isinstance(func, type):
        raise TypeError(UNITTEST_RUN_LOOP_ON_A_CLASS.format(class_name=func.__qualname__))
    if not callable(func):
        raise TypeError(
            UNITTEST_RUN_LOOP_NOT_CALLABLE.format(type_name=type(func).__name__, value=func)
        )
    warnings.warn(UNITTEST_RUN_LOOP_DEPRECATED, DeprecationWarning, stacklevel=2)
    if not inspect.isgeneratorfunction(func):
        return func
    generator_coroutine = _legacy_coroutine_function(func)

    @functools.wraps(func)
    async def run_generator_test(*call_args: Any, **call_kwargs: Any) -> Any:
        return await generator_coroutine(*call_args, **call_kwargs)

    return cast(_F, run_generator_test)


# --- generator-based coroutines without asyncio.coroutine -------------------------------


def _legacy_coroutine_function(func: Callable[..., Any]) -> Callable[..., Any]:
    """Return ``func`` so that calling it gives an awaitable, for legacy generator functions.

    A generator function comes back as a copy whose generators are "iterable coroutines"
    (what ``types.coroutine`` makes, without changing the caller's function in place): only
    such a generator may ``yield from`` a native coroutine such as ``asyncio.sleep()``.
    """
    if isinstance(func, types.MethodType):
        inner = _legacy_coroutine_function(func.__func__)
        return func if inner is func.__func__ else types.MethodType(inner, func.__self__)
    if isinstance(func, functools.partial):
        inner = _legacy_coroutine_function(func.func)
        if inner is func.func:
            return func
        return functools.partial(inner, *func.args, **func.keywords)
    if not isinstance(func, types.FunctionType):
        return func
    code = func.__code__
    if not code.co_flags & inspect.CO_GENERATOR or code.co_flags & inspect.CO_ITERABLE_COROUTINE:
        return func
    flagged = types.FunctionType(
        code.replace(co_flags=code.co_flags | inspect.CO_ITERABLE_COROUTINE),
        func.__globals__,
        func.__name__,
        func.__defaults__,
        func.__closure__,
    )
    flagged.__kwdefaults__ = func.__kwdefaults__
    flagged.__qualname__ = func.__qualname__
    return flagged


class _GeneratorAwaitable:
    """Awaits a plain generator object returned by a test, as asyncio.coroutine once did."""

    def __init__(self, generator: Generator[Any, Any, Any]) -> None:
        self._generator = generator

    def __await__(self) -> Generator[Any, Any, Any]:
        return self._generator


async def _call_and_await(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a test body or callback (sync, generator or async) and await what it returns."""
    result = _legacy_coroutine_function(func)(*args, **kwargs)
    if isinstance(result, types.GeneratorType) and not inspect.isawaitable(result):
        result = _GeneratorAwaitable(result)
    if inspect.isawaitable(result):
        return await result
    return result


# --- loops --------------------------------------------------------------------------------


@contextlib.contextmanager
def current_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """Yield the event loop that is current in this thread, for ``loop=current_loop``.

    The loop is neither replaced nor closed: tests decorated with
    ``loop=aiotest.current_loop`` share it, for example with resources made in
    ``setUpClass``. Follows :func:`asyncio.get_event_loop`, without its deprecation warning.
    """
    with warnings.catch_warnings():
        # 3.12+ warns when get_event_loop() has to make the loop; callers of current_loop
        # asked for that loop on purpose.
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError as exc:
            raise RuntimeError(NO_CURRENT_LOOP) from exc
    yield loop


class _SavedCurrentLoop:
    """The current-loop state of a thread, put back exactly after a test on a fresh loop.

    That includes "no loop was ever set", in which :func:`asyncio.get_event_loop` still
    makes one up to Python 3.13: legacy suites call it in ``setUpClass``, after other
    decorated tests ran.
    """

    def __init__(self) -> None:
        self.loop = thread_event_loop()
        self._never_set = event_loop_never_set()

    def restore(self) -> None:
        asyncio.set_event_loop(self.loop)
        if self._never_set:
            mark_event_loop_never_set()


def _new_loop() -> asyncio.AbstractEventLoop:
    """A new current loop that follows the run's environment, as aiotest's test cases do.

    That is ``AIOTEST_LOOP`` and ``PYTHONASYNCIODEBUG``.
    """
    defaults = environment_defaults()
    loop = setup_test_loop(defaults.get("loop_factory") or asyncio.new_event_loop)
    if "loop_debug" in defaults:
        loop.set_debug(defaults["loop_debug"])
    return loop


@contextlib.contextmanager
def _fresh_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """Yield a new current loop for one test, then close it and restore the previous one."""
    previous = _SavedCurrentLoop()
    loop = _new_loop()
    try:
        yield loop
    finally:
        try:
            # fast: a full gc.collect() per test would cost more than the rest of the run.
            teardown_test_loop(loop, fast=True)
        finally:
            previous.restore()


# --- a current loop for the classes that use the decorators -------------------------------

#: Classes whose subclasses get a loop for setUpClass too (see _provide_class_loop).
_WATCHED: weakref.WeakSet[type] = weakref.WeakSet()


def _release_class_loop(loop: asyncio.AbstractEventLoop, previous: _SavedCurrentLoop) -> None:
    """Close the loop made for a class and put back what was current before it."""
    current = thread_event_loop()
    try:
        if not loop.is_closed() and not loop.is_running():
            teardown_test_loop(loop, fast=True)
    finally:
        # The class may have made its own loop current in the meantime: that one stays.
        if current is None or current is loop:
            previous.restore()
        else:
            asyncio.set_event_loop(current)


def _ensure_class_loop(cls: type[unittest.TestCase]) -> None:
    """Make a current loop for the class, unless one is set and open; a class cleanup closes it.

    ``cls.loop = asyncio.get_event_loop()`` in setUpClass then finds a loop on every Python:
    up to 3.13 asyncio made one there, from 3.14 on it raises instead.
    """
    current = thread_event_loop()
    if current is not None and not current.is_closed():
        return
    previous = _SavedCurrentLoop()
    cls.addClassCleanup(_release_class_loop, _new_loop(), previous)


def _is_class_loop_set_up(attribute: object) -> bool:
    return bool(getattr(getattr(attribute, "__func__", None), "_aiotest_class_loop", False))


def _wrap_set_up_class(cls: type[unittest.TestCase]) -> None:
    """Make ``cls.setUpClass`` ensure a current loop first, unless it does already."""
    own = cls.__dict__.get("setUpClass")
    found = own if own is not None else inspect.getattr_static(cls, "setUpClass", None)
    if _is_class_loop_set_up(found):
        return

    def setUpClass(klass: Any, /) -> None:
        _ensure_class_loop(klass)
        if own is None:
            super(cls, klass).setUpClass()
        else:
            own.__get__(None, klass)()

    functools.update_wrapper(
        setUpClass, getattr(own, "__func__", own) or unittest.TestCase.setUpClass
    )
    setUpClass._aiotest_class_loop = True  # type: ignore[attr-defined]
    cls.setUpClass = classmethod(setUpClass)  # type: ignore[assignment,method-assign]


def _watch_subclasses(owner: type) -> None:
    """Give subclasses (and TestCases mixing ``owner`` in) a loop for setUpClass as well."""
    if owner in _WATCHED:
        return
    _WATCHED.add(owner)
    previous = owner.__dict__.get("__init_subclass__")

    def __init_subclass__(klass: Any, /, **kwargs: Any) -> None:
        if previous is not None:
            previous.__get__(None, klass)(**kwargs)
        else:
            super(owner, klass).__init_subclass__(**kwargs)  # type: ignore[arg-type]
        _provide_class_loop(klass)

    owner.__init_subclass__ = classmethod(__init_subclass__)  # type: ignore[assignment,method-assign]


def _provide_class_loop(owner: type) -> None:
    """Let a class holding decorated tests find a current loop in setUpClass and setUp.

    Called when a decorated test is defined in ``owner``. Async cases have their own loop.
    """
    if issubclass(owner, unittest.IsolatedAsyncioTestCase):
        return
    _watch_subclasses(owner)
    if issubclass(owner, unittest.TestCase):
        _wrap_set_up_class(owner)


def _factory_name(factory: object) -> str:
    return getattr(factory, "__qualname__", None) or repr(factory)


@contextlib.contextmanager
def _loop_from(factory: LoopContextFactory) -> Iterator[asyncio.AbstractEventLoop]:
    """Enter ``factory()`` and check that it yields a usable event loop."""
    name = _factory_name(factory)
    manager: Any = factory()
    if not (hasattr(manager, "__enter__") and hasattr(manager, "__exit__")):
        raise TypeError(
            LEGACY_LOOP_NOT_CONTEXT_MANAGER.format(name=name, type_name=type(manager).__name__)
        )
    with manager as loop:
        if not isinstance(loop, asyncio.AbstractEventLoop):
            raise TypeError(LEGACY_LOOP_NOT_A_LOOP.format(name=name, type_name=type(loop).__name__))
        if loop.is_closed():
            raise RuntimeError(LEGACY_LOOP_CLOSED.format(name=name))
        if loop.is_running():
            raise RuntimeError(LEGACY_LOOP_RUNNING.format(name=name))
        yield loop


# --- running a test -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Plan:
    """How a decorated test runs: which loop, and for run_forever its two delays."""

    loop_factory: LoopContextFactory | None
    forever: bool
    timeout: float = 0.0
    sleep: float = 0.0


class _LoopErrors:
    """Records what reaches a loop's exception handler while a run_forever test runs."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._previous = loop.get_exception_handler()
        self.contexts: list[dict[str, Any]] = []
        loop.set_exception_handler(self._record)

    def _record(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        self.contexts.append(context)

    def uninstall(self) -> None:
        self._loop.set_exception_handler(self._previous)

    def raise_first(self, failure: type[BaseException]) -> None:
        """Raise the first reported error: its own exception (with its traceback) if any."""
        if not self.contexts:
            return
        context = self.contexts[0]
        error = context.get("exception")
        message = context.get("message", "")
        if isinstance(error, BaseException):
            if message and hasattr(error, "add_note"):
                error.add_note(LOOP_ERROR_REPORTED.format(message=message))
            raise error
        raise failure(LOOP_ERROR_REPORTED.format(message=message or context))


async def _run_steps(plan: _Plan, body: Callable[..., Any], args: Any, kwargs: Any) -> None:
    """The test itself: the body, then for run_forever the delays and the callback."""
    result = await _call_and_await(body, *args, **kwargs)
    if not plan.forever:
        return
    if plan.timeout:
        await asyncio.sleep(plan.timeout)
    if callable(result):
        await _call_and_await(result)
    if plan.sleep:
        await asyncio.sleep(plan.sleep)


def _failure_exception(args: tuple[Any, ...]) -> type[BaseException]:
    if args and isinstance(args[0], unittest.TestCase):
        return args[0].failureException
    return AssertionError


def _run_on_loop(
    loop: asyncio.AbstractEventLoop,
    plan: _Plan,
    body: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    """Run the test on a loop that is not running, as a task that stops the loop when done."""
    errors = _LoopErrors(loop) if plan.forever else None
    try:
        task = loop.create_task(_run_steps(plan, body, args, kwargs))
        running = [True]

        def stop_loop(_: asyncio.Future[None]) -> None:
            # Done callbacks run through call_soon: when the test stops the loop itself in
            # its last step, this one is still queued and must not stop the loop's next run.
            if running[0]:
                loop.stop()

        task.add_done_callback(stop_loop)
        try:
            loop.run_forever()
        finally:
            running[0] = False
        if not task.done():
            task.remove_done_callback(stop_loop)
            task.cancel()
            loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
            raise _failure_exception(args)(LOOP_STOPPED_EARLY)
        task.result()
    finally:
        if errors is not None:
            errors.uninstall()
    if errors is not None:
        errors.raise_first(_failure_exception(args))


def _check_loop_in_case(plan: _Plan, case: unittest.TestCase) -> None:
    if plan.loop_factory is not None and plan.loop_factory is not current_loop:
        raise TypeError(
            LEGACY_LOOP_IN_ASYNC_CASE.format(
                name=_factory_name(plan.loop_factory), class_name=type(case).__name__
            )
        )


async def _run_in_case(
    plan: _Plan, body: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """Run the test as a coroutine on the loop of the IsolatedAsyncioTestCase in ``args[0]``."""
    _check_loop_in_case(plan, args[0])
    errors = _LoopErrors(asyncio.get_running_loop()) if plan.forever else None
    try:
        await _run_steps(plan, body, args, kwargs)
    finally:
        if errors is not None:
            errors.uninstall()
    if errors is not None:
        errors.raise_first(_failure_exception(args))


def _run_outside_case(
    plan: _Plan, body: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """Run the test synchronously: on a plain TestCase, a plain function, or a direct call."""
    case = args[0] if args else None
    if isinstance(case, unittest.IsolatedAsyncioTestCase):
        # Reached when something wraps the decorated test before unittest binds it (for
        # example @mock.patch on top): run on the case's loop, which is not running yet.
        _check_loop_in_case(plan, case)
        if isinstance(case, AsyncTestCase):
            _run_on_loop(case.loop, plan, body, args, kwargs)
            return
        with _loop_from(current_loop) as loop:
            _run_on_loop(loop, plan, body, args, kwargs)
        return
    if plan.loop_factory is None:
        with _fresh_loop() as loop:
            _run_on_loop(loop, plan, body, args, kwargs)
        return
    with _loop_from(plan.loop_factory) as loop:
        _run_on_loop(loop, plan, body, args, kwargs)


class _LegacyTest:
    """A decorated test: a plain method of a TestCase, a coroutine method of an async case.

    unittest awaits coroutine methods of an IsolatedAsyncioTestCase on the case's own loop
    (so ``self.client`` works) but, since 3.11, drops what a plain method returns; a plain
    TestCase cannot await at all. So the method is chosen when it is looked up on the test.
    In an async case, a decorated setUp, tearDown or helper is not the test being run: it
    runs at once on the idle loop of the case, or gives a running test something to await.
    """

    __slots__ = ("__dict__", "__weakref__", "_in_case", "_names", "_not_the_test", "_plain")

    def __init__(self, func: Callable[..., Any], plan: _Plan) -> None:
        body = _legacy_coroutine_function(func)

        def run_test(*args: Any, **kwargs: Any) -> None:
            _run_outside_case(plan, body, args, kwargs)

        async def run_test_in_case(*args: Any, **kwargs: Any) -> None:
            await _run_in_case(plan, body, args, kwargs)

        def run_not_the_test(*args: Any, **kwargs: Any) -> Any:
            # setUp or tearDown, which unittest calls without awaiting while the case's loop
            # is idle, or a helper, which a running test awaits.
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                return run_test(*args, **kwargs)
            return run_test_in_case(*args, **kwargs)

        for wrapper in (self, run_test, run_test_in_case, run_not_the_test):
            functools.update_wrapper(wrapper, func)
        # One attribute namespace for all of them: markers set on this object later (by
        # @unittest.expectedFailure on top, say) are seen on the bound method unittest calls.
        run_test.__dict__ = run_test_in_case.__dict__ = run_not_the_test.__dict__ = self.__dict__
        self._plain = run_test
        self._in_case = run_test_in_case
        self._not_the_test = run_not_the_test
        self._names: set[str] = set()

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        self._plain(*args, **kwargs)

    def __set_name__(self, owner: type, name: str) -> None:
        self._names.add(name)
        _provide_class_loop(owner)

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        if isinstance(instance, unittest.IsolatedAsyncioTestCase):
            # Without __set_name__ (set on the class after it was made): the function's name.
            names = self._names or {str(getattr(self, "__name__", ""))}
            if instance._testMethodName in names:
                return types.MethodType(self._in_case, instance)
            return types.MethodType(self._not_the_test, instance)
        return types.MethodType(self._plain, instance)

    def __repr__(self) -> str:
        return f"<aiotest legacy test {self.__dict__.get('__qualname__', '?')}>"


# --- the decorators -----------------------------------------------------------------------


def _check_seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            LEGACY_SECONDS_NOT_A_NUMBER.format(
                name=name, type_name=type(value).__name__, value=value
            )
        )
    seconds = float(value)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(LEGACY_SECONDS_OUT_OF_RANGE.format(name=name, value=value))
    return seconds


def _check_loop_factory(loop: object) -> LoopContextFactory | None:
    if loop is None:
        return None
    if hasattr(loop, "__enter__") and hasattr(loop, "__exit__"):
        # Checked first: context managers made by @contextmanager are callable decorators.
        raise TypeError(LEGACY_LOOP_IS_CONTEXT_MANAGER.format(type_name=type(loop).__name__))
    if not callable(loop):
        raise TypeError(LEGACY_LOOP_NOT_CALLABLE.format(type_name=type(loop).__name__, value=loop))
    if inspect.isgeneratorfunction(loop):
        raise TypeError(LEGACY_LOOP_IS_GENERATOR.format(name=_factory_name(loop)))
    return cast(LoopContextFactory, loop)


def _decorate(decorator: str, func: object, plan: _Plan) -> Callable[..., None]:
    if isinstance(func, type):
        # Callable, but replacing a TestCase class with a test function hides its tests.
        raise TypeError(
            LEGACY_DECORATES_A_CLASS.format(decorator=decorator, class_name=func.__qualname__)
        )
    if not callable(func):
        options = "timeout=..., sleep=..., loop=..." if plan.forever else "loop=..."
        raise TypeError(
            LEGACY_NOT_CALLABLE.format(
                decorator=decorator, type_name=type(func).__name__, value=func, options=options
            )
        )
    return cast(Callable[..., None], _LegacyTest(func, plan))


# A function with options decorates at once, as aio.testing allowed:
# run_forever(test, timeout=5, sleep=2)().
@overload
def run_until_complete(
    func: Callable[_P, Any], /, *, loop: LoopContextFactory | None = None
) -> Callable[_P, None]: ...


@overload
def run_until_complete(
    func: None = None, /, *, loop: LoopContextFactory | None = None
) -> LegacyDecorator: ...


def run_until_complete(
    func: Callable[..., Any] | None = None, /, *, loop: LoopContextFactory | None = None
) -> Callable[..., None] | LegacyDecorator:
    """Run a test to completion on an event loop; bare or called, as ``loop=`` needs.

    The test may be ``async def``, a generator function (``yield from`` coroutines and
    futures), or a plain function whose returned awaitable, if any, is awaited. It runs on
    a fresh current loop, closed afterwards (the previous current loop is restored); on the
    loop from ``loop=factory`` (``factory()`` returns a context manager yielding it, as
    :func:`current_loop` does); or, in an IsolatedAsyncioTestCase such as
    :class:`AioHTTPTestCase`, on the test case's own loop.

    It decorates test methods; a class is refused with a TypeError. A plain TestCase
    holding decorated tests has a current loop from just before its ``setUpClass`` until
    its class cleanups, so ``asyncio.get_event_loop()`` works there on every Python.
    """
    plan = _Plan(loop_factory=_check_loop_factory(loop), forever=False)
    if func is not None:
        return _decorate("run_until_complete", func, plan)

    def decorator(test: Callable[_P, Any]) -> Callable[_P, None]:
        return _decorate("run_until_complete", test, plan)

    return decorator


@overload
def run_forever(
    func: Callable[_P, Any],
    /,
    *,
    timeout: float = 1,
    sleep: float = 0,
    loop: LoopContextFactory | None = None,
) -> Callable[_P, None]: ...


@overload
def run_forever(
    func: None = None,
    /,
    *,
    timeout: float = 1,
    sleep: float = 0,
    loop: LoopContextFactory | None = None,
) -> LegacyDecorator: ...


def run_forever(
    func: Callable[..., Any] | None = None,
    /,
    *,
    timeout: float = 1,
    sleep: float = 0,
    loop: LoopContextFactory | None = None,
) -> Callable[..., None] | LegacyDecorator:
    """Run a test that sets things up, waits, then checks them in a callback.

    The body runs (any kind :func:`run_until_complete` takes); ``timeout`` seconds pass; if
    the body returned a callable, it is called with no arguments and awaited; ``sleep``
    seconds pass; the test ends. An exception from the body or the callback, or one
    reported to the loop's exception handler meanwhile, fails the test. The loop is chosen
    as for :func:`run_until_complete`.
    """
    plan = _Plan(
        loop_factory=_check_loop_factory(loop),
        forever=True,
        timeout=_check_seconds("timeout", timeout),
        sleep=_check_seconds("sleep", sleep),
    )
    if func is not None:
        return _decorate("run_forever", func, plan)

    def decorator(test: Callable[_P, Any]) -> Callable[_P, None]:
        return _decorate("run_forever", test, plan)

    return decorator

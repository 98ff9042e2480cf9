"""Event loops on virtual time: the selector that decides when to jump, the loop, the factory.

The loop is asyncio's selector loop with two public methods overridden: ``time()`` reads
the :class:`~aiotest.Clock`, and ``run_in_executor`` counts jobs as work in flight. The
selector is where the loop would block until its next timer; it polls first, and jumps
the clock instead of blocking when nothing is in flight.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import math
import selectors
import time
import weakref
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from . import _compat
from ._clock import Clock

__all__ = ["clock_of", "virtual_loop_factory"]

LoopFactory = Callable[[], asyncio.AbstractEventLoop]

VIRTUAL_TIME_REFUSED = (
    "virtual_time cannot control the clock of loops made by {factory}: it needs "
    "asyncio's selector loop or a subclass of asyncio.SelectorEventLoop (uvloop and the "
    "proactor loop keep their clock out of reach). Drop loop_factory for these tests, or "
    "turn virtual_time off."
)
NOT_VIRTUAL = (
    "{loop!r} does not run on virtual time: turn the virtual_time setting on, or make the "
    "loop with aiotest.virtual_loop_factory()"
)

# Longest real wait in one select() while work is in flight, so that the end of work the
# loop is not told about (a thread that exits) is noticed soon.
#: Polls with nothing to read at one virtual instant before the clock moves on by one step.
_SPIN_POLLS = 20
_IN_FLIGHT_SLICE = 0.01

_T = TypeVar("_T")


class _VirtualSelector(selectors.BaseSelector):
    """Wraps a real selector; its select() jumps virtual time instead of blocking."""

    def __init__(self, inner: selectors.BaseSelector, clock: Clock) -> None:
        self._inner = inner
        self._clock = clock
        self._rule = clock._rule
        clock._files = inner.get_map
        # True while the loop's constructor runs: what it registers is its self-pipe.
        self.constructing = True
        self._empty_polls_at = -1.0
        self._empty_polls = 0

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        key = self._inner.register(fileobj, events, data)
        self._rule.forget_file(key.fd)
        if self.constructing:
            self._rule.own_file(key.fd)
        return key

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        key = self._inner.unregister(fileobj)
        self._rule.forget_file(key.fd)
        return key

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._inner.modify(fileobj, events, data)

    def get_key(self, fileobj: Any) -> selectors.SelectorKey:
        return self._inner.get_key(fileobj)

    def get_map(self) -> Mapping[Any, selectors.SelectorKey]:
        return self._inner.get_map()

    def close(self) -> None:
        self._inner.close()

    def _note_empty_poll(self, clock: Clock) -> None:
        # On a real loop time creeps on while callbacks run; code that reschedules itself
        # "while now <= deadline" (aiohttp 3.10's keep-alive check) relies on that, and on a
        # clock standing still it would spin forever at one instant. So a run of polls with
        # nothing to read at one instant moves the clock on by the least step there is.
        if clock.time() != self._empty_polls_at:
            self._empty_polls_at = clock.time()
            self._empty_polls = 0
        self._empty_polls += 1
        if self._empty_polls > _SPIN_POLLS:
            clock._jump(0)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        clock = self._clock
        events = self._inner.select(0)
        if events or (timeout is not None and timeout <= 0):
            if not events:
                self._note_empty_poll(clock)
            clock._progress()
            return events
        # Nothing is ready: the loop would now block until its next timer, or forever.
        reason = self._rule.reason(self._inner.get_map())
        if reason is None and timeout is not None and clock._may_jump(timeout):
            clock._progress()
            clock._jump(timeout)
            return []
        if reason is not None:
            # Work in flight in real time: wait for it in real time, and let virtual time
            # follow, so that a timeout on real work expires at its real pace.
            clock._progress()
            wait = _IN_FLIGHT_SLICE if timeout is None else min(timeout, _IN_FLIGHT_SLICE)
            started = time.monotonic()
            events = self._inner.select(wait)
            waited = time.monotonic() - started
            clock._follow_real_time(waited if timeout is None else min(waited, timeout))
            return events
        remaining = clock._stuck_remaining()
        if remaining <= 0:
            clock._report_stuck(timers_pending=timeout is not None)
            return []
        # Only a file the loop waits on (a signal, a connection from outside) can still wake
        # it; wait for that in real time, up to the stuck bound.
        events = self._inner.select(remaining)
        if events:
            clock._progress()
        return events


class _VirtualTimeLoop(_compat.selector_loop_base()):  # type: ignore[misc]  # a class, checked
    """asyncio's selector loop on a :class:`~aiotest.Clock`."""

    _aiotest_clock: Clock

    def __init__(self, selector: selectors.BaseSelector | None = None) -> None:
        # Near the real monotonic clock, for code that compares the two; a whole number, so
        # that sleeps of whole seconds add up exactly.
        clock = Clock(math.floor(time.monotonic()))
        wrapper = _VirtualSelector(selector or selectors.DefaultSelector(), clock)
        self._aiotest_clock = clock
        clock._loop = weakref.ref(self)
        super().__init__(wrapper)
        wrapper.constructing = False

    def time(self) -> float:
        return self._aiotest_clock._now

    def run_in_executor(
        self, executor: concurrent.futures.Executor | None, func: Callable[..., _T], *args: Any
    ) -> asyncio.Future[_T]:
        if asyncio.iscoroutine(func) or inspect.iscoroutinefunction(func):
            # asyncio's own error for this mistake, not a wrapper that hides it.
            return cast("asyncio.Future[_T]", super().run_in_executor(executor, func, *args))
        rule = self._aiotest_clock._rule
        # Only a thread pool runs our wrapper where we can see it finish; a process pool
        # could not pickle it, so its jobs are followed through their futures alone.
        in_thread = executor is None or isinstance(executor, concurrent.futures.ThreadPoolExecutor)
        job = rule.new_job(self, tracks_thread=in_thread)
        before = rule.threads()
        try:
            if in_thread:
                future = super().run_in_executor(executor, job.run, func, *args)
            else:
                future = super().run_in_executor(executor, func, *args)
        except BaseException:
            job.abandon()
            raise
        # Threads the executor started for this job are its workers, not the test's.
        rule.add_workers(rule.threads() - before)
        job.watch(future)
        return cast("asyncio.Future[_T]", future)


_LOOP_CLASSES: dict[type, type[_VirtualTimeLoop]] = {}


def _name(factory: object) -> str:
    """Name a factory as the user wrote it (uvloop.new_event_loop), not by its address."""
    qualname = getattr(factory, "__qualname__", None)
    module = getattr(factory, "__module__", None)
    return f"{module}.{qualname}" if qualname and module else repr(factory)


def _loop_class(base: LoopFactory | None) -> type[_VirtualTimeLoop]:
    selector_loop = _compat.selector_loop_base()
    if base is None or base is asyncio.new_event_loop or base is selector_loop:
        return _VirtualTimeLoop
    if isinstance(base, type) and issubclass(base, selector_loop):
        found = _LOOP_CLASSES.get(base)
        if found is None:
            found = type(f"Virtual{base.__name__}", (_VirtualTimeLoop, base), {})
            _LOOP_CLASSES[base] = found
        return found
    raise TypeError(VIRTUAL_TIME_REFUSED.format(factory=_name(base)))


class _VirtualLoopFactory:
    """Makes loops on virtual time.

    An object, not a function, so that a class attribute holding it is never bound.
    """

    def __init__(self, loop_class: type[_VirtualTimeLoop]) -> None:
        self._loop_class = loop_class

    def __repr__(self) -> str:
        return f"aiotest.virtual_loop_factory({self._loop_class.__name__})"

    def __call__(self) -> asyncio.AbstractEventLoop:
        return self._loop_class()


_FACTORIES: dict[type[_VirtualTimeLoop], _VirtualLoopFactory] = {}


def virtual_loop_factory(base_factory: LoopFactory | None = None) -> LoopFactory:
    """Return a loop factory whose loops run on virtual time (see :class:`Clock`).

    ``base_factory`` is None for asyncio's loop, or a subclass of
    :class:`asyncio.SelectorEventLoop`; a factory this function returned is returned as
    it is. Anything else (uvloop, the proactor loop) raises :exc:`TypeError` at once,
    naming the ``virtual_time`` setting.
    """
    if isinstance(base_factory, _VirtualLoopFactory):
        return base_factory
    loop_class = _loop_class(base_factory)
    # One factory per loop class, so that settings naming the same loop compare equal.
    factory = _FACTORIES.get(loop_class)
    if factory is None:
        factory = _FACTORIES[loop_class] = _VirtualLoopFactory(loop_class)
    return factory


class _RefusedLoopFactory:
    """Stands for a loop factory that virtual time refused; raises when it is called.

    The settings use it, so that the refusal fails the one test that asked for the loop
    instead of stopping the whole run while settings are resolved.
    """

    def __init__(self, error: TypeError) -> None:
        self._error = error

    def __repr__(self) -> str:
        return f"<refused by virtual_time: {self._error}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _RefusedLoopFactory) and str(other._error) == str(self._error)

    def __hash__(self) -> int:
        return hash(str(self._error))

    def __call__(self) -> asyncio.AbstractEventLoop:
        raise TypeError(str(self._error))


def virtual_loop_factory_for_settings(base_factory: LoopFactory | None) -> LoopFactory:
    """Like :func:`virtual_loop_factory`, but a refusal is raised when a loop is made."""
    try:
        return virtual_loop_factory(base_factory)
    except TypeError as error:
        return _RefusedLoopFactory(error)


def clock_or_none(loop: asyncio.AbstractEventLoop) -> Clock | None:
    """Return the :class:`Clock` of ``loop``, or None for a loop on real time."""
    clock = getattr(loop, "_aiotest_clock", None)
    return clock if isinstance(clock, Clock) else None


def clock_of(loop: asyncio.AbstractEventLoop | None = None) -> Clock:
    """Return the :class:`Clock` of ``loop`` (by default the running loop)."""
    if loop is None:
        loop = asyncio.get_running_loop()
    clock = getattr(loop, "_aiotest_clock", None)
    if not isinstance(clock, Clock):
        raise TypeError(NOT_VIRTUAL.format(loop=loop))
    return clock

"""The record of exceptions that request handlers let escape to aiohttp's server."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, MutableMapping
from types import FrameType, TracebackType
from typing import Any

from ._compat import request_in_frames

__all__ = [
    "HandlerError",
    "HandlerErrorLog",
    "collect_handler_errors",
    "format_handler_errors",
    "quiet_handler_errors",
    "start_quiet_collection",
]

# How far up from the logging call to look for the request being handled: aiohttp calls
# logger.exception() from RequestHandler.handle_error(request, ...) or one call below it.
_REQUEST_SEARCH_DEPTH = 8
_UNKNOWN_REQUEST = "(request unknown)"
_OWN_FRAMES = 1 if sys.version_info >= (3, 11) else 2

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

# Servers run on whichever loop and thread a test uses, so quietness and collection are
# process-wide rather than per thread or per server; one lock guards both.
_lock = threading.Lock()
# How many quiet_handler_errors() blocks are open, in any thread.
_quiet_depth = 0
# The lists that collect_handler_errors() blocks hand out, by opening number.
_collectors: dict[int, list[HandlerError]] = {}
_collector_numbers = itertools.count()


@contextlib.contextmanager
def collect_handler_errors() -> Iterator[list[HandlerError]]:
    """Yield a list that receives every handler error any aiotest server records meanwhile.

    Unlike asking the servers afterwards, this also sees servers that were closed or dropped
    before the block ends. Blocks nest, from any thread; each gets every error.
    """
    errors: list[HandlerError] = []
    with _lock:
        number = next(_collector_numbers)
        _collectors[number] = errors
    try:
        yield errors
    finally:
        with _lock:
            del _collectors[number]


@contextlib.contextmanager
def quiet_handler_errors() -> Iterator[None]:
    """While open, handler exceptions are recorded but not passed on to the server's logger.

    A test that expects a handler error (a 500) then prints no traceback; the record stays
    on the server for the report of a failing test. Blocks nest, from any thread; once the
    last one closes, every record reaches the logger again. Other records always do.
    """
    global _quiet_depth
    with _lock:
        _quiet_depth += 1
    try:
        yield
    finally:
        with _lock:
            _quiet_depth -= 1


def start_quiet_collection() -> tuple[list[HandlerError], Callable[[], None]]:
    """For the engine: both blocks above at once; returns the list and what ends them.

    One lock round and no generators, since every test opens and closes them.
    """
    global _quiet_depth
    errors: list[HandlerError] = []
    with _lock:
        number = next(_collector_numbers)
        _collectors[number] = errors
        _quiet_depth += 1

    def stop() -> None:
        global _quiet_depth
        with _lock:
            if _collectors.pop(number, None) is not None:
                _quiet_depth -= 1

    return errors, stop


@dataclasses.dataclass(frozen=True)
class HandlerError:
    """One exception that a request handler raised and aiohttp's server caught."""

    #: ``"GET /path?query"``: the request being handled.
    request_line: str
    #: The exception itself.
    exception: BaseException
    #: The exception's traceback, formatted when it was recorded.
    traceback: str

    def format(self) -> str:
        """Return the request line followed by the traceback."""
        return f"{self.request_line}\n{self.traceback}"


def format_handler_errors(errors: list[HandlerError]) -> str:
    """Return the report of ``errors``, one block per request."""
    return "\n".join(error.format() for error in errors)


def _exc_info(value: object) -> _ExcInfo | None:
    if isinstance(value, BaseException):
        return type(value), value, value.__traceback__
    if isinstance(value, tuple) and len(value) == 3 and isinstance(value[1], BaseException):
        return value
    if value:
        current = sys.exc_info()
        if current[1] is not None:
            return current
    return None


# How far up a call's stack to look for the request handler it runs in.
_HANDLER_SEARCH_DEPTH = 40


def request_being_handled(frame: FrameType | None) -> str | None:
    """The request line of the aiohttp request whose handler ``frame`` runs in, or None."""
    request = request_in_frames(frame, _HANDLER_SEARCH_DEPTH)
    return None if request is None else f"{request.method} {request.path_qs}"


def _request_line(frame: FrameType | None) -> str:
    # aiohttp does not hand the request to its logger; the frame that logs the error
    # (handle_error) or one near it holds it.
    request = request_in_frames(frame, _REQUEST_SEARCH_DEPTH)
    return _UNKNOWN_REQUEST if request is None else f"{request.method} {request.path_qs}"


class HandlerErrorLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """The server's logger: records every logged handler exception, then logs it as usual.

    aiohttp logs an exception at ERROR level only when it escaped the application: an
    ``HTTPException`` is a response and an error turned into a response by the app's own
    middleware never reaches the server, so neither is recorded.
    """

    def __init__(self, logger: logging.Logger, errors: list[HandlerError]) -> None:
        super().__init__(logger, {})
        self.errors = errors

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        """Record an ERROR that carries an exception; pass every message on.

        The record goes to this server's list and to every collect_handler_errors() block.
        Inside :func:`quiet_handler_errors`, a recorded ERROR is not passed on.
        """
        if level >= logging.ERROR:
            info = _exc_info(kwargs.get("exc_info"))
            if info is not None:
                error = HandlerError(
                    request_line=_request_line(sys._getframe(1)),
                    exception=info[1],
                    traceback="".join(traceback.format_exception(*info)),
                )
                self.errors.append(error)
                with _lock:
                    sinks = list(_collectors.values())
                for sink in sinks:
                    sink.append(error)
                if _quiet_depth:
                    return
        # Attribute the log record to aiohttp's caller, not to this adapter; before 3.11
        # logging counted its own frames in stacklevel too.
        kwargs["stacklevel"] = kwargs.get("stacklevel", 1) + _OWN_FRAMES
        super().log(level, msg, *args, **kwargs)

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        """Leave the message as it is."""
        return msg, kwargs

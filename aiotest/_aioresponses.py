"""The aioresponses API, answered by a real loopback server through aiohttp's real client stack.

``from aiotest import aioresponses, CallbackResult`` replaces the same import from
aioresponses. Registrations are matched when the request reaches its connector (the
session's middlewares, cookies and redirects have run); the chosen response is then written
by a small server on the requesting event loop, so the client reads it from a socket, over
a connection kept alive between requests.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import copy
import functools
import http
import inspect
import json
import re
import ssl
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, NamedTuple, TypeVar, cast

import aiohttp
from aiohttp import hdrs
from multidict import CIMultiDict, MultiDict
from yarl import URL

from . import _compat, _fakes
from ._fake_tls import certificate_for

__all__ = ["CallbackResult", "RequestCall", "UnmatchedRequest", "aioresponses"]

UNMATCHED = "Connection refused: {method} {url}"
UNMATCHED_NOTE = "aiotest.aioresponses: no registration matches {method} {url}; {candidates}"
NO_CANDIDATES = "nothing is registered (register it with m.get(url, ...) or m.add(url, ...))"
RESPONSE_CLASS_UNSUPPORTED = (
    "aiotest.aioresponses cannot choose a response class per registration: the response is "
    "built by aiohttp's own client; pass response_class=... to the ClientSession instead"
)
NOT_STARTED = "aioresponses is not started: use 'with aioresponses() as m' or call m.start()"
NO_DECISION = "aiotest.aioresponses server: no response was chosen for {method} {host}{path}"

_F = TypeVar("_F", bound=Callable[..., Any])


class RequestCall(NamedTuple):
    """One recorded call: its positional and keyword arguments, as the code passed them."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any]


class CallbackResult:
    """What a registration's callback returns: the response to send."""

    def __init__(
        self,
        method: str = hdrs.METH_GET,
        status: int = 200,
        body: str | bytes = "",
        content_type: str = "application/json",
        payload: Any = None,
        headers: Mapping[str, str] | None = None,
        response_class: type[aiohttp.ClientResponse] | None = None,
        reason: str | None = None,
    ) -> None:
        if response_class is not None:
            raise ValueError(RESPONSE_CLASS_UNSUPPORTED)
        self.method = method
        self.status = status
        self.body = body
        self.content_type = content_type
        self.payload = payload
        self.headers = headers
        self.response_class = response_class
        self.reason = reason


class UnmatchedRequest(aiohttp.ClientConnectionError):
    """A request that no registration matches; ``candidates`` says why each did not."""

    def __init__(self, method: str, url: URL, candidates: list[str]) -> None:
        super().__init__(UNMATCHED.format(method=method, url=url))
        self.candidates = candidates
        listing = "; ".join(candidates) if candidates else NO_CANDIDATES
        note = UNMATCHED_NOTE.format(method=method, url=url, candidates=listing)
        if hasattr(self, "add_note"):
            self.add_note(note)
        self.note = note


def normalize_url(url: URL | str) -> URL:
    """The URL with its query sorted, as registrations and the call history compare it."""
    url = URL(url)
    return url.with_query(sorted(url.query.items()))


def merge_params(url: URL | str, params: Any = None) -> URL:
    """The URL with ``params`` appended to its query, as aiohttp sends it."""
    url = URL(url)
    if params:
        query = MultiDict(url.query)
        query.extend(url.with_query(params).query)
        return url.with_query(query)
    return url


@dataclass
class _Spec:
    """A response to serve."""

    status: int
    reason: str | None
    headers: CIMultiDict[str]
    body: bytes
    head: bool = False

    def encode(self) -> bytes:
        """The response as it goes on the wire: HTTP/1.1, its length always given."""
        reason = self.reason
        if reason is None:
            try:
                reason = http.HTTPStatus(self.status).phrase
            except ValueError:
                reason = ""
        lines = [f"HTTP/1.1 {self.status} {reason}"]
        length = str(len(self.body))
        for name, value in self.headers.items():
            if name.lower() == "content-length":
                if not self.head:
                    continue
                length = value
            lines.append(f"{name}: {value}")
        lines.append(f"Content-Length: {length}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + self.body


class _Registration:
    def __init__(
        self,
        url: URL | str | re.Pattern[str],
        method: str,
        status: int,
        body: str | bytes,
        exception: BaseException | type[BaseException] | None,
        content_type: str,
        payload: Any,
        headers: Mapping[str, str] | None,
        repeat: bool | int,
        timeout: bool,
        reason: str | None,
        callback: Callable[..., Any] | None,
    ) -> None:
        self.pattern = url if isinstance(url, re.Pattern) else None
        self.url = None if isinstance(url, re.Pattern) else normalize_url(url)
        self.method = method.upper()
        self.status = status
        self.body = body
        self.exception = exception
        if timeout:
            self.exception = asyncio.TimeoutError("Connection timeout test")
        self.content_type = content_type
        self.payload = payload
        self.headers = headers
        self.repeat = repeat
        self.reason = reason
        self.callback = callback

    def __repr__(self) -> str:
        target = self.pattern.pattern if self.pattern is not None else str(self.url)
        return f"{self.method} {target}"

    def mismatch(self, method: str, url: URL) -> str | None:
        """Why this registration does not match, or None when it does."""
        if self.method != method.upper():
            return f"{self!r}: method {method.upper()} is not {self.method}"
        if self.pattern is not None:
            if not self.pattern.match(str(url)):
                return f"{self!r}: {url} does not match the pattern"
            return None
        if self.url != url:
            return f"{self!r}: URL {url} is not {self.url}"
        return None

    def spend(self) -> bool:
        """Count one use; True when the registration is used up."""
        if isinstance(self.repeat, bool):
            return not self.repeat
        self.repeat -= 1
        return self.repeat <= 0


def _spec(result: CallbackResult | _Registration, method: str) -> _Spec:
    body: str | bytes = result.body
    if result.payload is not None:
        body = json.dumps(result.payload)
    raw = body if isinstance(body, bytes) else str(body).encode()
    headers: CIMultiDict[str] = CIMultiDict({hdrs.CONTENT_TYPE: result.content_type})
    if result.headers:
        headers.update(result.headers)
    head = method.upper() == hdrs.METH_HEAD
    if result.status in (204, 304) or head:
        raw = b""
    return _Spec(result.status, result.reason, headers, raw, head)


@dataclass
class _Call:
    method: str
    url: Any
    kwargs: dict[str, Any]
    recorded: RequestCall


# The call a request's first hop claimed, for its redirects' errors (a task-local value).
_current_call: contextvars.ContextVar[tuple[str, URL] | None] = contextvars.ContextVar(
    "aiotest_aioresponses_call", default=None
)


class _Responder(asyncio.Protocol):
    """One server-side connection: reads HTTP/1.1 requests and writes the chosen responses.

    A plain protocol on the requesting loop, with no task of its own: it is closed from
    sync code (``aioresponses.stop()``) at once, and a response costs a few microseconds.
    """

    def __init__(self, server: _Server) -> None:
        self._server = server
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None
        self._continued = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport, though not always an asyncio.Transport subclass: uvloop's
        # TLS transport is its own class with the same methods.
        self._transport = stream = cast(asyncio.Transport, transport)
        self._server.connections.add(stream)

    def connection_lost(self, exc: BaseException | None) -> None:
        if self._transport is not None:
            self._server.connections.discard(self._transport)
        self._transport = None

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self._transport is not None and self._answer_one():
            pass

    def _answer_one(self) -> bool:
        """Answer the first complete request in the buffer; False when none is complete."""
        buffer = self._buffer
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(buffer[:end]).decode("latin-1").split("\r\n")
        method, target, version = head[0].split(" ", 2)
        headers = CIMultiDict[str]()
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers.add(name.strip(), value.strip())
        start = end + 4
        if "chunked" in headers.get(hdrs.TRANSFER_ENCODING, "").lower():
            size = _chunked_size(buffer, start)
        else:
            size = int(headers.get(hdrs.CONTENT_LENGTH, "0") or 0)
            size = size if len(buffer) - start >= size else -1
        assert self._transport is not None
        if size < 0:
            if not self._continued and headers.get(hdrs.EXPECT, "").lower() == "100-continue":
                self._continued = True
                self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            return False
        del buffer[: start + size]
        self._continued = False
        spec = self._server.choose(method, headers.get(hdrs.HOST, ""), target)
        self._transport.write(spec.encode())
        closing = headers.get(hdrs.CONNECTION, "").lower() == "close" or version == "HTTP/1.0"
        if closing:
            self._transport.close()
        return not closing


def _chunked_size(buffer: bytearray, start: int) -> int:
    """The length of the chunked body at ``start``, or -1 while it is incomplete."""
    position = start
    while True:
        line_end = buffer.find(b"\r\n", position)
        if line_end < 0:
            return -1
        size = int(bytes(buffer[position:line_end]).split(b";")[0].strip() or b"0", 16)
        position = line_end + 2
        if size == 0:
            # Trailers, if any, end with an empty line.
            trailer_end = buffer.find(b"\r\n", position)
            while trailer_end > position:
                position = trailer_end + 2
                trailer_end = buffer.find(b"\r\n", position)
            if trailer_end < 0:
                return -1
            return trailer_end + 2 - start
        position += size + 2
        if position > len(buffer):
            return -1


class _Server:
    """An instance's servers on one event loop: http, https (any faked name) and unix."""

    def __init__(self, choose: Callable[[str, str, str], _Spec]) -> None:
        self.choose = choose
        self.connections: set[asyncio.Transport] = set()
        self.servers: list[asyncio.AbstractServer] = []
        self.http_port = self.https_port = 0
        self.unix_path = ""
        self._tmp: Any = None
        self.closed = False
        self.ready: asyncio.Future[None]

    async def start(self) -> None:
        import tempfile

        loop = asyncio.get_running_loop()
        https = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)

        def choose(sslobj: ssl.SSLObject, name: str | None, _: ssl.SSLContext) -> None:
            if name:
                sslobj.context = certificate_for(name).server_context

        https.sni_callback = choose

        def factory() -> _Responder:
            return _Responder(self)

        try:
            plain = await loop.create_server(factory, "127.0.0.1", 0)
            self.servers.append(plain)
            secure = await loop.create_server(factory, "127.0.0.1", 0, ssl=https)
            self.servers.append(secure)
            self.http_port = plain.sockets[0].getsockname()[1]
            self.https_port = secure.sockets[0].getsockname()[1]
            self._tmp = tempfile.TemporaryDirectory(prefix="aiotest-aioresponses-")
            self.unix_path = f"{self._tmp.name}/http.sock"
            self.servers.append(await loop.create_unix_server(factory, self.unix_path))
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Stop listening and drop every connection, without awaiting; twice does nothing."""
        if self.closed:
            return
        self.closed = True
        for server in self.servers:
            server.close()
        for transport in list(self.connections):
            transport.abort()
        self.connections.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


# The session methods are wrapped once, however many instances are started, and restored
# when the last one stops, in whatever order they stop.
_recorders: list[aioresponses] = []
_undo_recording: list[Callable[[], None]] = []
_recording_lock = threading.Lock()


def _record(
    session: aiohttp.ClientSession | None, method: str, url: Any, kwargs: dict[str, Any]
) -> None:
    # The newest instance answers a request, so it is the one to record the call.
    if _recorders:
        _recorders[-1]._record_call(session, method, url, kwargs)


def _start_recording(instance: aioresponses) -> None:
    with _recording_lock:
        if not _recorders:
            _undo_recording.append(_compat.wrap_session_calls(_record))
        _recorders.append(instance)


def _stop_recording(instance: aioresponses) -> None:
    with _recording_lock:
        if instance in _recorders:
            _recorders.remove(instance)
        if not _recorders:
            while _undo_recording:
                _undo_recording.pop()()


class aioresponses:
    """Register responses for outbound requests; each is served over a real connection.

    A context manager (``with aioresponses() as m``), a decorator (``@aioresponses()``,
    the instance is passed as the last argument, or as ``param=``), or started and stopped
    by hand (:meth:`start`, :meth:`stop`). ``passthrough`` lists URL prefixes sent to the
    real network; ``passthrough_unmatched=True`` sends every unmatched request there.
    """

    def __init__(
        self,
        *,
        param: str | None = None,
        passthrough: Iterable[str] = (),
        passthrough_unmatched: bool = False,
    ) -> None:
        self._param = param
        self._passthrough = [str(p) for p in passthrough]
        self.passthrough_unmatched = passthrough_unmatched
        #: Every call, keyed by (method, URL), in order.
        self.requests: dict[tuple[str, URL], list[RequestCall]] = {}
        self._registrations: list[_Registration] = []
        self._pending_calls: collections.deque[_Call] = collections.deque()
        self._decisions: dict[tuple[str, str, str], collections.deque[_Spec]] = {}
        self._lock = threading.Lock()
        self._started = False
        # The servers answering this instance's requests, one per event loop that made any.
        self._servers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Server] = (
            weakref.WeakKeyDictionary()
        )
        self.where = "<not started>"

    def __repr__(self) -> str:
        return f"<aiotest.aioresponses {len(self._registrations)} registered>"

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start intercepting; every session's requests are matched from now on."""
        if self._started:
            return
        self.requests = {}
        self._registrations = []
        self.where = _fakes._installed_at()
        self._started = True
        _start_recording(self)
        _fakes.install(self)

    def stop(self) -> None:
        """Stop intercepting and stop the servers; a second call does nothing."""
        self.uninstall()

    def uninstall(self) -> None:
        """Stop intercepting and stop the servers (also for aiotest's leak checks)."""
        _fakes.uninstall(self)
        _stop_recording(self)
        self._started = False
        servers = list(self._servers.items())
        self._servers.clear()
        for loop, server in servers:
            _fakes.forget_router_close(loop, server.close)
            if loop.is_closed():
                continue  # its shutdown closed the server, or nothing can now
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if loop.is_running() and running is not loop:
                loop.call_soon_threadsafe(server.close)
            else:
                server.close()

    async def _server_here(self) -> _Server:
        loop = asyncio.get_running_loop()
        server = self._servers.get(loop)
        if server is None:
            server = self._servers[loop] = _Server(self._choose)
            server.ready = loop.create_future()
            try:
                await server.start()
            except BaseException as exc:
                self._servers.pop(loop, None)
                server.ready.set_exception(exc)
                server.ready.exception()
                raise
            server.ready.set_result(None)
            # Closed with the loop's fakes router, if this instance is still started then.
            _fakes.on_router_close(server.close)
        elif not server.ready.done():
            await asyncio.shield(server.ready)
        return server

    def describe(self) -> str:
        """One line for aiotest's active_fakes()."""
        return f"aioresponses with {len(self._registrations)} registrations"

    def clear(self) -> None:
        """Forget every registration and the call history."""
        self._registrations.clear()
        self.requests.clear()

    def __enter__(self) -> aioresponses:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __call__(self, function: _F) -> _F:
        """Decorate a test function, sync or async: it runs with this instance started."""

        def arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any]:
            if self._param:
                return args, {**kwargs, self._param: self}
            return (*args, self), kwargs

        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with self:
                    args, kwargs = arguments(args, kwargs)
                    return await function(*args, **kwargs)

            return cast(_F, async_wrapper)

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                args, kwargs = arguments(args, kwargs)
                return function(*args, **kwargs)

        return cast(_F, wrapper)

    # -- registration ---------------------------------------------------------------------------

    def add(
        self,
        url: URL | str | re.Pattern[str],
        method: str = hdrs.METH_GET,
        status: int = 200,
        body: str | bytes = "",
        exception: BaseException | type[BaseException] | None = None,
        content_type: str = "application/json",
        payload: Any = None,
        headers: Mapping[str, str] | None = None,
        response_class: type[aiohttp.ClientResponse] | None = None,
        repeat: bool | int = False,
        timeout: bool = False,
        reason: str | None = None,
        callback: Callable[..., Any] | None = None,
    ) -> None:
        """Register a response (or ``exception``, or ``timeout``) for ``method`` ``url``.

        ``url`` is a URL (its query compared in any order) or a compiled regular expression
        matched against the full URL. ``repeat=True`` keeps the registration, an integer
        uses it that many times; by default it answers once.
        """
        if response_class is not None:
            raise ValueError(RESPONSE_CLASS_UNSUPPORTED)
        self._registrations.append(
            _Registration(
                url,
                method,
                status,
                body,
                exception,
                content_type,
                payload,
                headers,
                repeat,
                timeout,
                reason,
                callback,
            )
        )

    def _shortcut(method: str) -> Any:  # type: ignore[misc]
        def register(self: aioresponses, url: URL | str | re.Pattern[str], **kwargs: Any) -> None:
            self.add(url, method=method, **kwargs)

        register.__name__ = method.lower()
        register.__doc__ = f"Register a response for {method} ``url``; see :meth:`add`."
        return register

    head = _shortcut(hdrs.METH_HEAD)
    get = _shortcut(hdrs.METH_GET)
    post = _shortcut(hdrs.METH_POST)
    put = _shortcut(hdrs.METH_PUT)
    patch = _shortcut(hdrs.METH_PATCH)
    delete = _shortcut(hdrs.METH_DELETE)
    options = _shortcut(hdrs.METH_OPTIONS)
    del _shortcut

    # -- interception ---------------------------------------------------------------------------

    def _record_call(
        self,
        session: aiohttp.ClientSession | None,
        method: str,
        url: Any,
        kwargs: dict[str, Any],
    ) -> None:
        kwargs = dict(kwargs)
        if session is not None and session.headers:
            merged: CIMultiDict[str] = CIMultiDict(session.headers)
            merged.update(CIMultiDict(kwargs.get("headers") or {}))
            kwargs["headers"] = merged
        kwargs.setdefault("allow_redirects", True)
        try:
            recorded = copy.deepcopy(kwargs)
        except (TypeError, ValueError):
            recorded = dict(kwargs)
        with self._lock:
            self._pending_calls.append(_Call(method, url, kwargs, RequestCall((), recorded)))

    def _claim_call(self, method: str, url: URL) -> _Call | None:
        bare = url.with_fragment(None)
        with self._lock:
            for call in self._pending_calls:
                if call.method != method:
                    continue
                passed = URL(call.url) if isinstance(call.url, (str, URL)) else None
                if passed is not None and passed.absolute:
                    wanted = normalize_url(merge_params(passed, call.kwargs.get("params")))
                    if wanted.with_fragment(None) != bare:
                        continue
                self._pending_calls.remove(call)
                return call
        return None

    async def route(self, req: aiohttp.ClientRequest) -> object:
        """Decide the request's fate: a response from this loop's server, an error, the network."""
        if not self._started:
            return None
        url = normalize_url(req.original_url)
        call = self._claim_call(req.method, url)
        text = str(url)
        if any(text.startswith(prefix) for prefix in self._passthrough):
            return _fakes.PASS_THROUGH
        if call is not None:
            # As aioresponses does: a call is recorded, matched or not, unless passed through.
            self.requests.setdefault((req.method, url), []).append(call.recorded)
            _current_call.set((req.method, url))
        origin = _current_call.get() or (req.method, url)
        reasons = []
        for registration in self._registrations:
            reason = registration.mismatch(req.method, url)
            if reason is None:
                break
            reasons.append(reason)
        else:
            if self.passthrough_unmatched:
                return _fakes.PASS_THROUGH
            raise UnmatchedRequest(origin[0], origin[1], reasons)
        if registration.spend():
            self._registrations.remove(registration)
        result: CallbackResult | None = None
        if registration.callback is not None:
            outcome = registration.callback(url, **(call.kwargs if call else {}))
            if inspect.isawaitable(outcome):
                outcome = await outcome
            result = outcome
        if registration.exception is not None:
            raise registration.exception
        spec = _spec(result if result is not None else registration, req.method)
        server = await self._server_here()
        key = (req.method, req.headers.get(hdrs.HOST, ""), req.url.raw_path_qs)
        with self._lock:
            self._decisions.setdefault(key, collections.deque()).append(spec)
        if req.is_ssl():
            host = req.url.raw_host or ""
            return _fakes.Target(
                "127.0.0.1", server.https_port, None, certificate_for(host), keep_alive=True
            )
        return _fakes.Target("127.0.0.1", server.http_port, server.unix_path, keep_alive=True)

    def _choose(self, method: str, host: str, target: str) -> _Spec:
        """The response route() chose for this request, as the server reads it."""
        with self._lock:
            queue = self._decisions.get((method, host, target))
            spec = queue.popleft() if queue else None
        if spec is None:
            message = NO_DECISION.format(method=method, host=host, path=target)
            plain = CIMultiDict({hdrs.CONTENT_TYPE: "text/plain"})
            return _Spec(500, None, plain, message.encode())
        return spec

    # -- assertions -----------------------------------------------------------------------------

    def _signature(self, *args: Any, **kwargs: Any) -> str:
        listed = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
        return f"{type(self).__name__}({', '.join(listed)})"

    def assert_not_called(self) -> None:
        """Fail if any request was made."""
        if self.requests:
            count = sum(len(calls) for calls in self.requests.values())
            raise AssertionError(
                f"Expected '{type(self).__name__}' to not have been called. Called {count} times."
            )

    def assert_called(self) -> None:
        """Fail unless at least one request was made."""
        if not self.requests:
            raise AssertionError(f"Expected '{type(self).__name__}' to have been called.")

    def assert_called_once(self) -> None:
        """Fail unless exactly one request was made."""
        count = sum(len(calls) for calls in self.requests.values())
        if count != 1:
            raise AssertionError(
                f"Expected '{type(self).__name__}' to have been called once. Called {count} times."
            )

    def _expected(self, method: str, kwargs: dict[str, Any]) -> RequestCall:
        kwargs = dict(kwargs)
        kwargs.setdefault("allow_redirects", True)
        if method == hdrs.METH_POST:
            kwargs.setdefault("data", None)
        return RequestCall((), kwargs)

    def assert_called_with(
        self,
        url: URL | str,
        method: str = hdrs.METH_GET,
        args_to_match: Iterable[str] | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        """Fail unless the last call to ``method`` ``url`` had these keyword arguments.

        ``args_to_match`` names the only arguments to compare.
        """
        key = (method.upper(), normalize_url(merge_params(url, kwargs.get("params"))))
        calls = self.requests.get(key)
        if not calls:
            raise AssertionError(
                f"{self._signature(key[1], method=key[0], **kwargs)} call not found"
            )
        actual, expected = calls[-1], self._expected(key[0], kwargs)
        if args_to_match is not None:
            names = list(args_to_match)
            wrong = any(
                n not in actual.kwargs or actual.kwargs[n] != expected.kwargs.get(n) for n in names
            )
        else:
            wrong = actual != expected
        if wrong:
            raise AssertionError(
                f"{self._signature(key[1], **actual.kwargs)} != "
                f"{self._signature(key[1], **expected.kwargs)}"
            )

    def assert_called_once_with(self, *args: Any, **kwargs: Any) -> None:
        """assert_called_once() and assert_called_with(...) together."""
        self.assert_called_once()
        self.assert_called_with(*args, **kwargs)

    def assert_any_call(
        self, url: URL | str, method: str = hdrs.METH_GET, *args: Any, **kwargs: Any
    ) -> None:
        """Fail unless ``method`` ``url`` was ever called."""
        key = (method.upper(), normalize_url(merge_params(url, kwargs.get("params"))))
        if key not in self.requests:
            raise AssertionError(
                f"{self._signature(key[1], method=key[0], **kwargs)} call not found"
            )

"""Fake upstream hosts: outbound requests to a faked origin reach a loopback test server.

While a fake is installed, every aiohttp connector hands its requests to :func:`_connect`
first (one touch point, in ``_compat``). A request for a faked origin gets a connection,
through aiohttp's own TCPConnector, to the loopback server that serves it: the session's
middlewares, cookies, redirects, traces and timeouts all run as they would upstream. For
https the connection verifies a certificate issued for that host name only.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import ipaddress
import socket
import ssl
import threading
import traceback
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol, TypeVar

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from multidict import CIMultiDictProxy
from yarl import URL

from . import _compat
from ._fake_tls import HostCertificate, certificate_for, client_context_trusting
from ._proxy import TCPProxy
from ._server import TestServer

__all__ = [
    "FakeHost",
    "FakeRequest",
    "active_fakes",
    "close_all_fakes",
    "fake_host",
    "uninstall_all_fakes",
]

FAKE_URL_NEEDS_ORIGIN = (
    "fake_host() takes an origin such as 'https://api.example.com' or "
    "'http://api.example.com:8080', not {url!r}: {problem}"
)
FAKE_LOOPBACK = (
    "{host!r} is a loopback address: requests to it always reach the real socket, so it "
    "cannot be faked; fake a host name such as 'api.example.com' instead"
)
FAKE_ALREADY_FAKED = "{origin} is already faked by the fake installed at {where}"
FAKE_NOT_STARTED = "the fake host {origin} is not started: use 'async with fake_host(...)'"
FAKE_NEEDS_APP = (
    "fake_host() serves an aiohttp.web.Application, got {type_name}: build one with "
    "web.Application() and add the routes the code under test calls"
)
FAKE_HTTPS_IP = (
    "https to the IP address {host} cannot be faked: aiohttp connects to an address "
    "without asking its resolver; fake a host name instead"
)
FAKE_NO_FAULTS = (
    "the fake host {origin} has no fault proxy: create it with fake_host(..., faults=True)"
)

_T = TypeVar("_T")
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


@functools.lru_cache(maxsize=256)
def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@functools.lru_cache(maxsize=256)
def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


#: The key under which a fake's request carries its journal entry, for its handlers.
JOURNAL_ENTRY = "aiotest.fake_request"

_HTTP_SCHEMES = {"ws": "http", "wss": "https"}


def _origin_key(url: URL) -> tuple[str, str, int | None]:
    """Scheme, host and port of ``url``: ws/wss spelt http/https, the default port explicit.

    ``https://h`` and ``https://h:443`` are one origin, and so are ``wss://h`` and ``https://h``.
    """
    scheme = _HTTP_SCHEMES.get(url.scheme, url.scheme)
    return scheme, (url.raw_host or "").lower(), url.port


def _installed_at() -> str:
    """Where the code outside aiotest that installed a fake is: 'file:line in function'."""
    for frame in traceback.extract_stack()[-2::-1]:
        if "/aiotest/_" not in frame.filename.replace("\\", "/") and "contextlib" not in (
            frame.filename
        ):
            return f"{frame.filename}:{frame.lineno} in {frame.name}"
    return "<unknown>"  # pragma: no cover - there is always a caller


# --- where a faked request goes ---------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A loopback server that answers for a faked origin."""

    host: str
    port: int
    #: A unix socket serving the same application, for http to an IP address (aiohttp
    #: connects to an IP address directly, so a resolver cannot redirect it).
    unix_path: str | None = None
    certificate: HostCertificate | None = None
    #: Keep connections open between requests (closed with the fake, or at the end of the
    #: test or of its loop).
    keep_alive: bool = False

    @property
    def pool_key(self) -> object:
        """Which of the router's connectors serves this target."""
        return (self.host, self.port, self.keep_alive)


#: An interceptor's answer "not mine": ask the fakes installed before it, then the network.
PASS_THROUGH = object()


class Interceptor(Protocol):
    """An installed fake: decides where a request goes."""

    where: str

    def describe(self) -> str:
        """One line for active_fakes()."""

    async def route(self, req: aiohttp.ClientRequest) -> Target | object | None:
        """A Target, PASS_THROUGH, None (not mine) or raise the request's error."""

    def uninstall(self) -> None:
        """Stop intercepting and release what can be released without awaiting."""


_interceptors: list[Interceptor] = []
_undo_hooks: list[Callable[[], None]] = []
_registry_lock = threading.RLock()


def install(interceptor: Interceptor) -> None:
    """Start sending requests through ``interceptor`` (the newest is asked first)."""
    with _registry_lock:
        if not _interceptors:
            _undo_hooks.append(_compat.wrap_connector_connect(_connect))
        _interceptors.append(interceptor)


def uninstall(interceptor: Interceptor) -> None:
    """Stop sending requests through ``interceptor``; a second call does nothing."""
    with _registry_lock:
        if interceptor in _interceptors:
            _interceptors.remove(interceptor)
        if not _interceptors:
            while _undo_hooks:
                _undo_hooks.pop()()


def active_fakes() -> list[str]:
    """One line per fake still installed, saying what it fakes and where it was installed."""
    with _registry_lock:
        return [f"{i.describe()}, installed at {i.where}" for i in _interceptors]


def uninstall_all_fakes() -> list[str]:
    """Uninstall every fake still installed and return what :func:`active_fakes` said.

    For the test engine: a fake left installed after a test is a leak; this undoes it so
    the next test starts clean.
    """
    with _registry_lock:
        leaked = active_fakes()
        for interceptor in list(reversed(_interceptors)):
            interceptor.uninstall()
            uninstall(interceptor)
        return leaked


async def close_all_fakes() -> list[str]:
    """Like :func:`uninstall_all_fakes`, then also close the servers of leaked fake hosts.

    For the test engine, on the test's loop: a leaked :class:`FakeHost` keeps its server
    (and its application's cleanup) until closed, which only an awaiting caller can do.
    """
    with _registry_lock:
        leaked = active_fakes()
        interceptors = list(reversed(_interceptors))
    for interceptor in interceptors:
        if isinstance(interceptor, FakeHost):
            await interceptor.close()
        else:
            interceptor.uninstall()
            uninstall(interceptor)
    # The test is over: the connections kept alive to its fakes go too.
    await close_pooled_connections()
    return leaked


class _FixedResolver(AbstractResolver):
    """Resolves every name to one loopback server: the target of one connector."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.family = socket.AF_INET6 if ":" in host else socket.AF_INET

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            {
                "hostname": host,
                "host": self.host,
                "port": self.port,
                "family": self.family,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        """Nothing to release."""


@dataclass
class _Router:
    """aiohttp's own connectors, used for faked requests on one event loop.

    One connector per target server, so that a kept-alive connection to one fake is never
    handed to a request for another (aiohttp pools by the request's host and port, which
    two fakes of one origin share, one after the other or with passthrough).
    """

    ssl_context: ssl.SSLContext
    trusted: dict[str, HostCertificate] = field(default_factory=dict)
    pools: dict[object, aiohttp.BaseConnector] = field(default_factory=dict)
    #: Called (sync) before the router closes: servers on this loop that must stop first.
    before_close: list[Callable[[], None]] = field(default_factory=list)
    #: Keeps the loop-shutdown hook alive (see _close_at_loop_shutdown).
    lifetime: Any = None

    async def close_pool(self, key: object) -> None:
        connector = self.pools.pop(key, None)
        if connector is not None:
            await connector.close()

    async def close(self) -> None:
        while self.before_close:
            self.before_close.pop()()
        while self.pools:
            await self.close_pool(next(iter(self.pools)))


# One router per event loop. Its kept-alive connections stay open while the loop runs
# (a fake stopped from sync code cannot close them) and are closed when the fake that
# owns them closes (FakeHost.close), when the test engine undoes the fakes at the end of
# a test (close_all_fakes), or when the loop shuts down (shutdown_asyncgens).
_routers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Router] = (
    weakref.WeakKeyDictionary()
)
_own_connectors: weakref.WeakSet[aiohttp.BaseConnector] = weakref.WeakSet()


async def _close_at_loop_shutdown(
    loop: asyncio.AbstractEventLoop,
) -> AsyncGenerator[None, None]:
    """An async generator the loop finalizes in ``shutdown_asyncgens()``: it closes the router.

    asyncio.run(), asyncio.Runner, IsolatedAsyncioTestCase, pytest's loop fixtures and
    aiotest's engine all call ``loop.shutdown_asyncgens()`` before closing a loop; it is
    the public hook that runs code on a loop that is about to close.
    """
    try:
        yield
    finally:
        _last[:] = [None, None]
        router = _routers.pop(loop, None)
        if router is not None:
            router.lifetime = None
            await router.close()


# The last loop's router, looked up without a weak reference per request.
_last: list[Any] = [None, None]


def _router() -> _Router:
    loop = asyncio.get_running_loop()
    if _last[0] is loop:
        last: _Router = _last[1]
        return last
    router = _routers.get(loop)
    if router is None:
        _forget_closed_loops()
        router = _routers[loop] = _Router(client_context_trusting())
        lifetime = _close_at_loop_shutdown(loop)
        try:
            # Runs it to its yield now: the loop's first-iteration hook registers it.
            lifetime.asend(None).send(None)
        except StopIteration:
            router.lifetime = lifetime
    _last[:] = [loop, router]
    return router


def _forget_closed_loops() -> None:
    """Drop the routers of loops closed without ``shutdown_asyncgens()``.

    Such a loop never ran its router's close, and the router's shutdown hook keeps the loop
    reachable from ``_routers``: once dropped, loop, router and the connections it kept go
    to the garbage collector, which closes their sockets (with asyncio's ResourceWarning
    for each: the loop was closed with them open), instead of keeping them all for the
    rest of the process.
    """
    for loop in [loop for loop in _routers if loop.is_closed()]:
        router = _routers.pop(loop)
        router.lifetime = None
        if _last[0] is loop:
            _last[:] = [None, None]


def on_router_close(callback: Callable[[], None]) -> None:
    """Call ``callback`` (sync) when the current loop's router closes, before its pools."""
    _router().before_close.append(callback)


def forget_router_close(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
    """Undo :func:`on_router_close` for ``loop``'s router, if it is still open."""
    router = _routers.get(loop)
    if router is not None and callback in router.before_close:
        router.before_close.remove(callback)


async def close_pooled_connections(target: Target | None = None) -> None:
    """Close the current loop's kept-alive connections to ``target`` (or to every fake)."""
    router = _routers.get(asyncio.get_running_loop())
    if router is None:
        return
    if target is None:
        await router.close()
    else:
        await router.close_pool(target.pool_key)
        if target.unix_path is not None:
            await router.close_pool(target.unix_path)


async def _connect(
    connector: aiohttp.BaseConnector,
    req: aiohttp.ClientRequest,
    traces: Any,
    timeout: aiohttp.ClientTimeout,
    original: Callable[..., Awaitable[Any]],
) -> Any:
    host = req.url.raw_host or ""
    if connector in _own_connectors or req.proxy is not None or _is_loopback(host):
        return await original(connector, req, traces, timeout)
    for interceptor in reversed(_interceptors):
        decision = await interceptor.route(req)
        if decision is None or decision is PASS_THROUGH:
            # Passed on, not out: a fake installed earlier may still answer for it.
            continue
        assert isinstance(decision, Target)
        return await _connect_to(decision, req, traces, timeout, original)
    return await original(connector, req, traces, timeout)


async def _connect_to(
    target: Target,
    req: aiohttp.ClientRequest,
    traces: Any,
    timeout: aiohttp.ClientTimeout,
    original: Callable[..., Awaitable[Any]],
) -> Any:
    router = _router()
    host = req.url.raw_host or ""
    ip = _is_ip(host)
    if ip and req.is_ssl():
        raise aiohttp.ClientConnectionError(FAKE_HTTPS_IP.format(host=host))
    key = target.unix_path if ip else target.pool_key
    connector = router.pools.get(key)
    if connector is None:
        if ip:
            assert target.unix_path is not None
            connector = aiohttp.UnixConnector(target.unix_path, force_close=not target.keep_alive)
        else:
            # No DNS cache: the resolver answers with one address, without a lookup.
            connector = aiohttp.TCPConnector(
                resolver=_FixedResolver(target.host, target.port),
                ssl=router.ssl_context,
                use_dns_cache=False,
                force_close=not target.keep_alive,
            )
        _own_connectors.add(connector)
        router.pools[key] = connector
    if target.certificate is not None and host not in router.trusted:
        router.trusted[host] = target.certificate
        # The router's context is aiotest's own: trusting one more fake host's authority
        # there touches no other client, and that authority vouches for that name only.
        router.ssl_context.load_verify_locations(cadata=target.certificate.authority_pem)
    # The original connect: aiotest's own connectors need no interception.
    return await original(connector, req, traces, timeout)


# --- native fake hosts --------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeRequest:
    """One request a fake host received, as it arrived on the wire."""

    method: str
    url: URL
    headers: CIMultiDictProxy[str]
    body: bytes
    #: The route of the fake's application that matched, or None (a 404 or 405).
    route: web.AbstractRoute | None

    def json(self) -> Any:
        """The body decoded as JSON."""
        import json

        return json.loads(self.body)


def _parse_origin(origin: str | URL) -> URL:
    url = URL(origin)
    problem = None
    if url.scheme not in ("http", "https"):
        problem = "the scheme must be http or https"
    elif not url.raw_host:
        problem = "it names no host"
    elif url.raw_path not in ("", "/") or url.raw_query_string or url.raw_fragment:
        problem = "a fake host serves every path: leave out the path, query and fragment"
    if problem:
        raise ValueError(FAKE_URL_NEEDS_ORIGIN.format(url=str(origin), problem=problem))
    if _is_loopback(url.raw_host or ""):
        raise ValueError(FAKE_LOOPBACK.format(host=url.raw_host))
    return url.origin()


class FakeHost:
    """An upstream origin (scheme, host, port) served by an application on loopback.

    While it runs, requests to the origin from any aiohttp session reach the application
    over a real connection. Use ``async with fake_host(origin, app) as host`` or decorate a
    test method with ``@fake_host(origin, app)``; :attr:`journal` lists what arrived.
    """

    __test__ = False

    def __init__(
        self,
        origin: str | URL,
        app: web.Application | Callable[[], web.Application],
        *,
        faults: bool = False,
        record_bodies: bool = True,
    ) -> None:
        self.origin = _parse_origin(origin)
        self._origin_text = str(self.origin).rstrip("/")
        self._origin_key = _origin_key(self.origin)
        if not isinstance(app, web.Application) and not callable(app):
            raise TypeError(FAKE_NEEDS_APP.format(type_name=type(app).__name__))
        if _is_ip(self.origin.raw_host or "") and self.origin.scheme == "https":
            raise ValueError(FAKE_HTTPS_IP.format(host=self.origin.raw_host))
        self._app_source = app
        self.faults = faults
        self.record_bodies = record_bodies
        #: Every request the fake received, oldest first.
        self.journal: list[FakeRequest] = []
        self._urls: dict[str, URL] = {}
        self.server: TestServer | None = None
        self._proxy: TCPProxy | None = None
        self._target: Target | None = None
        self._unix_dir: Any = None
        self.where = "<not installed>"

    def __repr__(self) -> str:
        return f"<FakeHost {self.origin}>"

    def describe(self) -> str:
        """One line for active_fakes()."""
        return f"fake host {self.origin}"

    @property
    def proxy(self) -> TCPProxy:
        """The TCPProxy in front of the fake, for faults (needs ``faults=True``)."""
        if self._proxy is None:
            raise RuntimeError(FAKE_NO_FAULTS.format(origin=self.origin))
        return self._proxy

    def url(self, path: str = "/") -> URL:
        """The absolute URL of ``path`` on the faked origin."""
        return self.origin.join(URL(path))

    async def start(self) -> None:
        """Serve the application and start intercepting its origin; a second call does nothing."""
        if self.server is not None:
            return
        for other in _interceptors:
            if isinstance(other, FakeHost) and other._origin_key == self._origin_key:
                raise ValueError(FAKE_ALREADY_FAKED.format(origin=self.origin, where=other.where))
        self.where = _installed_at()
        source = self._app_source
        app = source if isinstance(source, web.Application) else source()
        app.middlewares.append(self._record)
        certificate = None
        if self.origin.scheme == "https":
            certificate = certificate_for(self.origin.raw_host or "")
        server = TestServer(app, ssl=certificate.server_context if certificate else None)
        await server.start_server()
        self.server = server
        try:
            assert server.port is not None
            port = server.port
            unix_path = None
            if _is_ip(self.origin.raw_host or ""):
                unix_path = await self._add_unix_site(server)
            if self.faults:
                self._proxy = TCPProxy("127.0.0.1", port)
                await self._proxy.start()
                port = self._proxy.proxy_port
            self._target = Target("127.0.0.1", port, unix_path, certificate, keep_alive=True)
        except BaseException:
            await self.close()
            raise
        install(self)

    async def _add_unix_site(self, server: TestServer) -> str:
        import tempfile

        assert server.runner is not None
        self._unix_dir = tempfile.TemporaryDirectory(prefix="aiotest-fake-")
        path = f"{self._unix_dir.name}/http.sock"
        await web.UnixSite(server.runner, path).start()
        return path

    async def close(self) -> None:
        """Stop intercepting, then stop the proxy and the server; a second call does nothing."""
        target = self._target
        self.uninstall()
        if target is not None:
            await close_pooled_connections(target)
        proxy, self._proxy = self._proxy, None
        if proxy is not None:
            await proxy.close()
        server = self.server
        if server is not None:
            await server.close()
        if self._unix_dir is not None:
            self._unix_dir.cleanup()
            self._unix_dir = None

    def uninstall(self) -> None:
        """Stop intercepting the origin; the server keeps running until close()."""
        uninstall(self)

    async def route(self, req: aiohttp.ClientRequest) -> Target | None:
        """The fake's server, for a request to its origin."""
        if self._target is not None and _origin_key(req.url) == self._origin_key:
            return self._target
        return None

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.read() if self.record_bodies and request.can_read_body else b""
        url = self._urls.get(request.raw_path)
        if url is None:
            url = self._urls[request.raw_path] = URL(
                self._origin_text + request.raw_path, encoded=True
            )
        route = request.match_info.route
        matched = None if isinstance(request.match_info.http_exception, Exception) else route
        entry = FakeRequest(request.method, url, request.headers, body, matched)
        self.journal.append(entry)
        request[JOURNAL_ENTRY] = entry
        response: web.StreamResponse = await handler(request)
        return response

    # -- assertions ------------------------------------------------------------------------------

    def requests_to(self, path: str, method: str | None = None) -> list[FakeRequest]:
        """The journal's requests for ``path`` (and ``method``, if given)."""
        return [
            r
            for r in self.journal
            if r.url.path == path and (method is None or r.method == method.upper())
        ]

    def assert_all_routes_called(self) -> None:
        """Fail, naming them, unless every route of the fake's application was called."""
        assert self.server is not None, FAKE_NOT_STARTED.format(origin=self.origin)
        called = {id(r.route) for r in self.journal if r.route is not None}
        missing = [
            f"{route.method} {route.resource.canonical if route.resource else '?'}"
            for route in self.server.app.router.routes()
            if id(route) not in called and route.method != "HEAD"
        ]
        if missing:
            raise AssertionError(
                f"{self.origin}: routes never called: {', '.join(missing)}; "
                f"requests received: {[f'{r.method} {r.url}' for r in self.journal]}"
            )

    # -- context manager and decorator ----------------------------------------------------------

    async def __aenter__(self) -> FakeHost:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def __call__(self, function: Callable[..., Awaitable[_T]]) -> Callable[..., Awaitable[_T]]:
        """Decorate an async test: it runs with a fresh fake, passed as its last argument."""
        if not inspect.iscoroutinefunction(function):
            raise TypeError(FAKE_DECORATES_ASYNC.format(name=getattr(function, "__name__", "?")))
        origin, source = self.origin, self._app_source
        faults, record_bodies = self.faults, self.record_bodies

        @functools.wraps(function)
        async def wrapper(*args: Any, **kwargs: Any) -> _T:
            async with FakeHost(origin, source, faults=faults, record_bodies=record_bodies) as host:
                return await function(*args, host, **kwargs)

        return wrapper


FAKE_DECORATES_ASYNC = (
    "@fake_host(...) decorates an 'async def' test, not {name}(): the fake's server runs on "
    "the test's event loop"
)


def fake_host(
    origin: str | URL,
    app: web.Application | Callable[[], web.Application],
    *,
    faults: bool = False,
    record_bodies: bool = True,
) -> FakeHost:
    """Fake ``origin`` with ``app``, as an async context manager or a test decorator.

    ``app`` is an :class:`aiohttp.web.Application` or a function returning one (a decorator
    needs a function: each test gets a fresh application). ``faults=True`` puts a
    :class:`~aiotest.TCPProxy` in front, as :attr:`FakeHost.proxy`. With
    ``record_bodies=False`` the journal keeps no bodies and handlers may stream them.
    """
    return FakeHost(origin, app, faults=faults, record_bodies=record_bodies)

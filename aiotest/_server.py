"""Test servers: an aiohttp application or a bare handler served on a loopback socket."""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import os
import socket
import sys
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.log import server_logger
from yarl import URL

from ._messages import MAKE_URL_NEEDS_PATH, SERVER_NOT_STARTED, USE_ASYNC_WITH
from ._server_errors import HandlerError, HandlerErrorLog
from ._tls import server_ssl_context, trusted_client_context

if TYPE_CHECKING:
    from ssl import SSLContext

    from aiohttp.typedefs import StrOrURL
    from aiohttp.web_protocol import _RequestHandler

__all__ = [
    "REUSE_ADDRESS",
    "BaseTestServer",
    "NotRunningError",
    "RawTestServer",
    "SocketFactory",
    "TestServer",
    "get_port_socket",
    "get_unused_port_socket",
    "live_servers",
    "unused_port",
]

SocketFactory = Callable[[str, int, socket.AddressFamily], socket.socket]

# SO_REUSEADDR lets a fixed port be rebound while an old connection sits in TIME_WAIT;
# on Windows the same option means something unsafe, and cygwin follows Windows.
REUSE_ADDRESS = os.name == "posix" and sys.platform != "cygwin"
"""True where :func:`get_port_socket` sets ``SO_REUSEADDR`` (POSIX systems, not cygwin)."""


def get_port_socket(host: str, port: int, family: socket.AddressFamily) -> socket.socket:
    """Return a TCP socket bound to ``(host, port)``; port 0 lets the kernel choose."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if REUSE_ADDRESS:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def get_unused_port_socket(
    host: str, family: socket.AddressFamily = socket.AF_INET
) -> socket.socket:
    """Return a TCP socket bound to a free port chosen by the kernel."""
    return get_port_socket(host, 0, family)


def unused_port() -> int:
    """Return a port that was free a moment ago on 127.0.0.1.

    Kept for compatibility: another process may take the port before it is used.
    Servers in aiotest never rely on it; they bind port 0 and read the port back.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class NotRunningError(RuntimeError, AssertionError):
    """A test server or client used before it started or after it closed.

    An AssertionError too, since aiohttp's test utilities fail an assertion here and suites
    written for them may expect that.
    """


def _family_and_url_host(host: str) -> tuple[socket.AddressFamily, str]:
    try:
        version = ipaddress.ip_address(host).version
    except ValueError:
        # A name such as "localhost" resolves to IPv4 first on every platform we support.
        return socket.AF_INET, host
    if version == 6:
        return socket.AF_INET6, f"[{host}]"
    return socket.AF_INET, host


# Every server started and not yet closed, by start number. The values are weak: a test
# that drops a server without closing it has leaked it, and the registry must not hide that
# by keeping it alive. Dict order is insertion order, so values come out in start order.
_live: weakref.WeakValueDictionary[int, BaseTestServer] = weakref.WeakValueDictionary()
_start_numbers = itertools.count()


def live_servers() -> list[BaseTestServer]:
    """Return the aiotest servers started and not yet closed, in the order they started.

    Any server counts, whoever made it (the test case, the test itself, a fake upstream
    host), on any loop or thread; one whose start failed never does.
    """
    return list(_live.values())


class BaseTestServer(ABC):
    """A server for one test: bound once on loopback, started and closed by the test."""

    __test__ = False

    def __init__(
        self,
        *,
        scheme: str = "",
        loop: asyncio.AbstractEventLoop | None = None,
        host: str = "127.0.0.1",
        port: int | None = None,
        skip_url_asserts: bool = False,
        socket_factory: SocketFactory = get_port_socket,
        **kwargs: Any,
    ) -> None:
        self._loop = loop
        self.runner: web.BaseRunner | None = None
        self._root: URL | None = None
        self.host = host
        self.port = port
        self._closed = False
        self.scheme = scheme
        self.skip_url_asserts = skip_url_asserts
        self.socket_factory = socket_factory
        # An ssl= context given here is used as given, like one given to start_server().
        self._ssl: SSLContext | None = kwargs.pop("ssl", None)
        self._runner_kwargs = kwargs
        #: Exceptions that request handlers let escape to the server, oldest first.
        self.handler_errors: list[HandlerError] = []
        self._start_number: int | None = None

    async def start_server(
        self, loop: asyncio.AbstractEventLoop | None = None, **kwargs: Any
    ) -> None:
        """Start serving; a second call does nothing.

        Whatever was set up before a failure (``on_startup`` raising, the port being taken)
        is closed again, ``on_cleanup`` included, before the error propagates.
        """
        if self.runner is not None:
            return
        if loop is not None:
            self._loop = loop
        self._ssl = kwargs.pop("ssl", None) or self._ssl
        if self._ssl is None and self.scheme == "https":
            self._ssl = server_ssl_context(self.host)
        runner_kwargs = {**self._runner_kwargs, **kwargs}
        runner_kwargs.setdefault("handler_cancellation", True)
        # Every handler exception aiohttp logs is also recorded, for the test's report.
        logger = runner_kwargs.get("logger", server_logger)
        runner_kwargs["logger"] = HandlerErrorLog(logger, self.handler_errors)
        runner = self.runner = self._make_runner(**runner_kwargs)
        sock: socket.socket | None = None
        try:
            await runner.setup()
            family, url_host = _family_and_url_host(self.host)
            sock = self.socket_factory(self.host, self.port or 0, family)
            site = web.SockSite(runner, sock=sock, ssl_context=self._ssl)
            await site.start()
        except BaseException:
            await self._abort_start(runner, sock)
            raise
        # As aiohttp does: host and port become the bound address ("localhost" -> 127.0.0.1),
        # while URLs keep the name the test asked for.
        self.host, self.port = sock.getsockname()[:2]
        if not self.scheme:
            self.scheme = "https" if self._ssl else "http"
        self._root = URL(f"{self.scheme}://{url_host}:{self.port}")
        self._start_number = next(_start_numbers)
        _live[self._start_number] = self

    async def _abort_start(self, runner: web.BaseRunner, sock: socket.socket | None) -> None:
        try:
            await runner.cleanup()
        finally:
            if sock is not None:
                sock.close()
            self._closed = True

    @abstractmethod
    def _make_runner(self, **kwargs: Any) -> web.BaseRunner:
        """Return the runner that serves this server's application or handler."""

    def make_url(self, path: StrOrURL) -> URL:
        """Return the absolute URL of ``path`` on this server."""
        if self._root is None:
            raise NotRunningError(SERVER_NOT_STARTED)
        url = URL(path)
        if not self.skip_url_asserts:
            assert not url.absolute, MAKE_URL_NEEDS_PATH.format(url=url)
            return self._root.join(url)
        return URL(str(self._root) + str(path))

    @property
    def started(self) -> bool:
        """True once start_server() was called."""
        return self.runner is not None

    @property
    def closed(self) -> bool:
        """True once close() has run."""
        return self._closed

    @property
    def client_ssl(self) -> SSLContext | None:
        """A client context trusting this server's certificate, if aiotest issued it."""
        return trusted_client_context(self._ssl)

    @property
    def handler(self) -> web.Server:
        """The low-level :class:`aiohttp.web.Server` behind the runner."""
        runner = self.runner
        if runner is None or runner.server is None:
            raise NotRunningError(SERVER_NOT_STARTED)
        return runner.server

    async def close(self) -> None:
        """Stop serving and run the application's cleanup; a second call does nothing."""
        if self.started and not self._closed:
            self._closed = True
            if self._start_number is not None:
                _live.pop(self._start_number, None)
            assert self.runner is not None
            await self.runner.cleanup()
            self._root = None
            self.port = None

    def __enter__(self) -> None:
        raise TypeError(USE_ASYNC_WITH)

    def __exit__(  # noqa: B027 - never reached: __enter__ always raises
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Pairs with __enter__, which always raises."""

    async def __aenter__(self) -> BaseTestServer:
        await self.start_server(loop=self._loop)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


class TestServer(BaseTestServer):
    """Serves an :class:`aiohttp.web.Application` through :class:`aiohttp.web.AppRunner`."""

    def __init__(
        self,
        app: web.Application,
        *,
        scheme: str = "",
        host: str = "127.0.0.1",
        port: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.app = app
        super().__init__(scheme=scheme, host=host, port=port, **kwargs)

    def _make_runner(self, **kwargs: Any) -> web.BaseRunner:
        return web.AppRunner(self.app, **kwargs)

    async def _abort_start(self, runner: web.BaseRunner, sock: socket.socket | None) -> None:
        # aiohttp sends on_cleanup only once startup completed; when an on_startup handler
        # fails, what the handlers before it opened must still be closed.
        self.app.on_cleanup.freeze()
        await super()._abort_start(runner, sock)


class RawTestServer(BaseTestServer):
    """Serves a bare request handler through :class:`aiohttp.web.ServerRunner`."""

    def __init__(
        self,
        handler: _RequestHandler,
        *,
        scheme: str = "",
        host: str = "127.0.0.1",
        port: int | None = None,
        **kwargs: Any,
    ) -> None:
        self._handler = handler
        super().__init__(scheme=scheme, host=host, port=port, **kwargs)

    def _make_runner(self, debug: bool = True, **kwargs: Any) -> web.BaseRunner:
        # debug=True puts the handler's traceback in the 500 body, as aiohttp does here.
        server = web.Server(self._handler, loop=self._loop, debug=debug, **kwargs)
        return web.ServerRunner(server, **kwargs)

"""The test client: an aiohttp ClientSession aimed at one test server."""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

import aiohttp
from aiohttp import hdrs, web
from aiohttp.abc import AbstractCookieJar
from aiohttp.typedefs import StrOrURL
from yarl import URL

from ._compat import add_note, disable_connection_retry
from ._messages import CLIENT_CLOSED, CLIENT_NEEDS_SERVER, CLIENT_NEEDS_SERVER_HELP, USE_ASYNC_WITH
from ._server import BaseTestServer, NotRunningError, TestServer

if TYPE_CHECKING:
    from ._proxy import TCPProxy

__all__ = ["TestClient"]

_Request = TypeVar("_Request", bound=web.BaseRequest)
_ApplicationNone = TypeVar("_ApplicationNone", web.Application, None)
_Resource = TypeVar("_Resource", aiohttp.ClientResponse, aiohttp.ClientWebSocketResponse)


class _ResourceContext(Coroutine[Any, Any, _Resource]):
    """What a request method returns: await it for the response, or use ``async with``.

    It is a coroutine, as aiohttp's is, so ``asyncio.create_task(client.get(path))`` works.
    """

    __slots__ = ("_coro", "_resource")

    def __init__(self, coro: Coroutine[Any, Any, _Resource]) -> None:
        self._coro: Coroutine[Any, Any, _Resource] = coro
        self._resource: _Resource | None = None

    def __await__(self) -> Generator[Any, None, _Resource]:
        return self._coro.__await__()

    def __iter__(self) -> Generator[Any, None, _Resource]:
        # Generator-based tests (aio.testing, aiohttp before 3.8) write
        # ``response = yield from self.client.get(path)``.
        return self._coro.__await__()

    async def __aenter__(self) -> _Resource:
        self._resource = await self._coro
        return self._resource

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        resource = self._resource
        if isinstance(resource, aiohttp.ClientWebSocketResponse):
            await resource.close()
        elif resource is not None:
            resource.release()
            await resource.wait_for_close()

    def send(self, value: Any) -> Any:
        """Advance the request coroutine (what a task running this object calls)."""
        return self._coro.send(value)

    def throw(self, *args: Any) -> Any:
        """Raise an exception inside the request coroutine (cancellation uses this)."""
        return self._coro.throw(*args)

    def close(self) -> None:
        """Close the request coroutine if it was never awaited."""
        self._coro.close()


class TestClient(Generic[_Request, _ApplicationNone]):
    """A client for functional tests of one test server.

    Paths are relative to the server; every response and websocket it opens is closed by
    :meth:`close`, which also closes the server.
    """

    __test__ = False

    # The overloads let type checkers infer the parameters from the server passed in.
    @overload
    def __init__(
        self: TestClient[web.Request, web.Application],
        server: TestServer,
        *,
        cookie_jar: AbstractCookieJar | None = None,
        loop: Any = None,
        **kwargs: Any,
    ) -> None: ...

    @overload
    def __init__(
        self: TestClient[_Request, None],
        server: BaseTestServer,
        *,
        cookie_jar: AbstractCookieJar | None = None,
        loop: Any = None,
        **kwargs: Any,
    ) -> None: ...

    def __init__(
        self,
        server: BaseTestServer,
        *,
        cookie_jar: AbstractCookieJar | None = None,
        loop: Any = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(server, BaseTestServer):
            error = TypeError(CLIENT_NEEDS_SERVER.format(server_type=type(server)))
            add_note(error, CLIENT_NEEDS_SERVER_HELP.format(type_name=type(server).__name__))
            raise error
        self._server = server
        self._loop = loop
        # The loop is passed on so that a client can be made before its loop runs,
        # as the framework-agnostic loop_context() style does.
        if cookie_jar is None:
            cookie_jar = aiohttp.CookieJar(unsafe=True, loop=loop)
        # Looked up on the module at call time so that code patching
        # aiohttp.ClientSession (tracing, recording) sees the test client's session too.
        self._session = aiohttp.ClientSession(loop=loop, cookie_jar=cookie_jar, **kwargs)
        # A test must see the first failure, not a silent retry on a fresh connection.
        disable_connection_retry(self._session)
        self._closed = False
        self._responses: list[aiohttp.ClientResponse] = []
        self._websockets: list[aiohttp.ClientWebSocketResponse] = []
        self._proxy: TCPProxy | None = None

    async def start_server(self) -> None:
        """Start the server this client talks to (does nothing if it runs already)."""
        await self._server.start_server(loop=self._loop)

    @property
    def host(self) -> str:
        """The server's host."""
        return self._server.host

    @property
    def port(self) -> int | None:
        """The server's port: None before it starts and after it closes."""
        return self._server.port

    @property
    def server(self) -> BaseTestServer:
        """The test server."""
        return self._server

    @property
    def app(self) -> _ApplicationNone:
        """The server's application, or None for a raw server."""
        app: _ApplicationNone = getattr(self._server, "app", None)  # type: ignore[assignment]
        return app

    @property
    def session(self) -> aiohttp.ClientSession:
        """The underlying session; its methods take absolute URLs (see :meth:`make_url`)."""
        return self._session

    def make_url(self, path: StrOrURL) -> URL:
        """Return the absolute URL of ``path`` on the server, or on the proxy in front of it."""
        url = self._server.make_url(path)
        proxy = self._proxy
        if proxy is not None and url.origin() == self._server.make_url("/").origin():
            url = url.with_host(proxy.proxy_host).with_port(proxy.proxy_port)
        return url

    def route_through(self, proxy: TCPProxy | None) -> None:
        """Send the requests through ``proxy`` (a started TCPProxy in front of the server).

        None sends them straight to the server again.
        """
        self._proxy = proxy

    def _trust_server(self, kwargs: dict[str, Any]) -> None:
        # An HTTPS test server with aiotest's certificate is trusted; verification stays on.
        trusting = self._server.client_ssl
        if trusting is not None:
            kwargs.setdefault("ssl", trusting)

    async def _request(self, method: str, path: StrOrURL, **kwargs: Any) -> aiohttp.ClientResponse:
        if self._closed:
            raise NotRunningError(CLIENT_CLOSED)
        self._trust_server(kwargs)
        response = await self._session.request(method, self.make_url(path), **kwargs)
        self._responses.append(response)
        return response

    def request(
        self, method: str, path: StrOrURL, **kwargs: Any
    ) -> _ResourceContext[aiohttp.ClientResponse]:
        """Send a request to the server; the arguments are those of ClientSession.request."""
        return _ResourceContext(self._request(method, path, **kwargs))

    def get(self, path: StrOrURL, **kwargs: Any) -> _ResourceContext[aiohttp.ClientResponse]:
        """Send a GET request."""
        return _ResourceContext(self._request(hdrs.METH_GET, path, **kwargs))

    def post(self, path: StrOrURL, **kwargs: Any) -> _ResourceContext[aiohttp.ClientResponse]:
        """Send a POST request."""
        return _ResourceContext(self._request(hdrs.METH_POST, path, **kwargs))

    def put(self, path: StrOrURL, **kwargs: Any) -> _ResourceContext[aiohttp.ClientResponse]:
        """Send a PUT request."""
        return _ResourceContext(self._request(hdrs.METH_PUT, path, **kwargs))

    def patch(self, path: StrOrURL, **kwargs: Any) -> _ResourceContext[aiohttp.ClientResponse]:
        """Send a PATCH request."""
        return _ResourceContext(self._request(hdrs.METH_PATCH, path, **kwargs))

    def delete(self, path: StrOrURL, **kwargs: Any) -> _ResourceContext[aiohttp.ClientResponse]:
        """Send a DELETE request."""
        return _ResourceContext(self._request(hdrs.METH_DELETE, path, **kwargs))

    def head(self, path: StrOrURL, **kwargs: Any) -> _ResourceContext[aiohttp.ClientResponse]:
        """Send a HEAD request."""
        return _ResourceContext(self._request(hdrs.METH_HEAD, path, **kwargs))

    def options(self, path: StrOrURL, **kwargs: Any) -> _ResourceContext[aiohttp.ClientResponse]:
        """Send an OPTIONS request."""
        return _ResourceContext(self._request(hdrs.METH_OPTIONS, path, **kwargs))

    def ws_connect(
        self, path: StrOrURL, **kwargs: Any
    ) -> _ResourceContext[aiohttp.ClientWebSocketResponse]:
        """Open a websocket; the arguments are those of ClientSession.ws_connect."""
        return _ResourceContext(self._ws_connect(path, **kwargs))

    async def _ws_connect(self, path: StrOrURL, **kwargs: Any) -> aiohttp.ClientWebSocketResponse:
        if self._closed:
            raise NotRunningError(CLIENT_CLOSED)
        self._trust_server(kwargs)
        websocket: aiohttp.ClientWebSocketResponse[Any] = await self._session.ws_connect(
            self.make_url(path), **kwargs
        )
        self._websockets.append(websocket)
        return websocket

    async def close_responses(self) -> None:
        """Close every response and websocket opened so far, keeping the client usable."""
        responses, self._responses = self._responses, []
        websockets, self._websockets = self._websockets, []
        for response in responses:
            response.close()
        for websocket in websockets:
            await websocket.close()

    async def close(self) -> None:
        """Close responses, websockets, the session and the server; a second call does nothing."""
        if self._closed:
            return
        self._closed = True
        try:
            await self.close_responses()
        finally:
            try:
                await self._session.close()
            finally:
                await self._server.close()

    @property
    def closed(self) -> bool:
        """True once close() has run."""
        return self._closed

    def __enter__(self) -> None:
        raise TypeError(USE_ASYNC_WITH)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Pairs with __enter__, which always raises."""

    async def __aenter__(self) -> TestClient[_Request, _ApplicationNone]:
        await self.start_server()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

"""Mocked requests and coroutines for unit tests of handlers, without a server."""

from __future__ import annotations

import asyncio
import inspect
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from unittest import mock

from aiohttp import hdrs, web
from aiohttp.http import HttpVersion, RawRequestMessage
from aiohttp.streams import EMPTY_PAYLOAD, StreamReader
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from ._compat import AIOHTTP_SENTINEL, set_match_info

if TYPE_CHECKING:
    from ssl import SSLContext

__all__ = ["make_mocked_coro", "make_mocked_request"]

# Marks an argument the caller did not pass, where None is a meaningful value.
_UNSET: Any = object()

_HTTP_1_1 = HttpVersion(1, 1)
_MAX_FIELD_SIZE = 8190
_MAX_HEADERS = 128


@lru_cache(maxsize=1)
def _frozen_signal_type() -> type:
    # The signal class aiohttp uses for on_response_prepare, taken from a real application
    # so that aiotest follows aiohttp without importing its private modules.
    return type(web.Application().on_response_prepare)


@lru_cache(maxsize=1)
def _request_accepts_max_fields() -> bool:
    return "client_max_fields" in inspect.signature(web.Request.__init__).parameters


def _mock_app() -> mock.MagicMock:
    """A stand-in application that stores items like a real one."""
    items: dict[Any, Any] = {}
    app = mock.MagicMock(spec=web.Application)
    app.__getitem__.side_effect = items.__getitem__
    app.__setitem__.side_effect = items.__setitem__
    app.__contains__.side_effect = items.__contains__
    app.__delitem__.side_effect = items.__delitem__
    app.__len__.side_effect = items.__len__
    app.__iter__.side_effect = lambda: iter(items)
    app.get.side_effect = items.get
    app._debug = False
    signal = _frozen_signal_type()(app)
    signal.freeze()
    app.on_response_prepare = signal
    return app


def _mock_transport(sslcontext: SSLContext | None) -> mock.Mock:
    transport = mock.Mock()

    def get_extra_info(key: str, default: Any = None) -> Any:
        if key == "sslcontext":
            return sslcontext
        if key == "sockname":
            return ("127.0.0.1", 80)
        return default

    transport.get_extra_info.side_effect = get_extra_info
    return transport


def _mock_protocol(transport: Any, sslcontext: SSLContext | None) -> mock.Mock:
    protocol = mock.Mock()
    protocol.max_field_size = _MAX_FIELD_SIZE
    protocol.max_line_length = _MAX_FIELD_SIZE
    protocol.max_headers = _MAX_HEADERS
    protocol.transport = transport
    type(protocol).peername = mock.PropertyMock(return_value=transport.get_extra_info("peername"))
    type(protocol).sockname = mock.PropertyMock(return_value=transport.get_extra_info("sockname"))
    type(protocol).ssl_context = mock.PropertyMock(return_value=sslcontext)
    return protocol


def _mock_writer(transport: Any) -> mock.Mock:
    writer = mock.Mock()
    writer.write_headers = make_mocked_coro(None)
    writer.write = make_mocked_coro(None)
    writer.write_eof = make_mocked_coro(None)
    writer.drain = make_mocked_coro(None)
    writer.transport = transport
    return writer


def _current_loop_or_mock() -> Any:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        loop = mock.Mock()
        loop.create_future.return_value = ()
        return loop


def make_mocked_request(
    method: str,
    path: str,
    headers: Any = None,
    *,
    match_info: Any = _UNSET,
    version: HttpVersion = _HTTP_1_1,
    closing: bool = False,
    app: Any = None,
    writer: Any = _UNSET,
    protocol: Any = _UNSET,
    transport: Any = _UNSET,
    payload: StreamReader = EMPTY_PAYLOAD,
    sslcontext: SSLContext | None = None,
    client_max_size: int = 1024**2,
    client_max_fields: int = 1000,
    loop: Any = ...,
) -> web.Request:
    """Return a real :class:`aiohttp.web.Request` for calling a handler directly.

    ``headers`` may be a dict, a multidict or a list of pairs. Without ``app`` the request
    belongs to a mock application that stores items; without ``loop`` it uses the running
    loop, or a mock when none runs.
    """
    if loop is ...:
        loop = _current_loop_or_mock()
    if version < _HTTP_1_1:
        closing = True
    header_map = CIMultiDictProxy(CIMultiDict(headers or ()))
    raw_headers = tuple((k.encode("utf-8"), v.encode("utf-8")) for k, v in header_map.items())
    chunked = "chunked" in header_map.get(hdrs.TRANSFER_ENCODING, "").lower()
    upgrade = header_map.get(hdrs.CONNECTION, "").lower() == "upgrade" and bool(
        header_map.get(hdrs.UPGRADE)
    )
    message = RawRequestMessage(
        method.upper(),
        path,
        version,
        header_map,
        raw_headers,
        closing,
        None,
        upgrade,
        chunked,
        URL(path),
    )
    if app is None:
        app = _mock_app()
    if transport is _UNSET:
        transport = _mock_transport(sslcontext)
    if protocol is _UNSET:
        protocol = _mock_protocol(transport, sslcontext)
    if writer is _UNSET:
        writer = _mock_writer(transport)
    protocol.transport = transport
    protocol.writer = writer

    extra: dict[str, Any] = {}
    if _request_accepts_max_fields():
        extra["client_max_fields"] = client_max_fields
    request = web.Request(
        message,
        payload,
        protocol,
        writer,
        mock.Mock(),
        loop,
        client_max_size=client_max_size,
        **extra,
    )
    info = web.UrlMappingMatchInfo({} if match_info is _UNSET else match_info, mock.Mock())
    info.add_app(app)
    set_match_info(request, info)
    return request


def make_mocked_coro(
    return_value: Any = AIOHTTP_SENTINEL, raise_exception: Any = AIOHTTP_SENTINEL
) -> mock.Mock:
    """Return a Mock whose calls are recorded and which returns an awaitable.

    Awaiting a call raises ``raise_exception`` if given, else gives ``return_value``. As in
    aiohttp, an awaitable ``return_value`` is awaited and the call gives None, and without
    ``return_value`` the call gives aiohttp's "not given" marker.
    """

    async def mocked(*args: Any, **kwargs: Any) -> Any:
        if raise_exception is not AIOHTTP_SENTINEL:
            raise raise_exception
        if not inspect.isawaitable(return_value):
            return return_value
        await return_value
        return None

    return mock.Mock(wraps=mocked)

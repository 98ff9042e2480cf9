"""aiotest: fast, strict unittest test cases for aiohttp applications and asyncio code."""

from __future__ import annotations

from ._aioresponses import CallbackResult, RequestCall, UnmatchedRequest, aioresponses
from ._case import AioHTTPTestCase, AsyncTestCase
from ._client import TestClient
from ._clock import Clock, LoopStuck
from ._decorators import (
    catch_loop_exceptions,
    check_leaks,
    executor_factory,
    forbid_get_event_loop,
    loop_debug,
    loop_factory,
    raise_server_exceptions,
    slow_callback_duration,
    strict,
    timeout,
    virtual_time,
)
from ._fake_api import FakeAPI, FakeReply, FakeRoute
from ._fakes import FakeHost, FakeRequest, fake_host
from ._hygiene import GetEventLoopForbidden
from ._legacy import current_loop, run_forever, run_until_complete, unittest_run_loop
from ._loops import loop_context, setup_test_loop, teardown_test_loop
from ._mocks import make_mocked_coro, make_mocked_request
from ._proxy import ProxyConnection, TCPProxy
from ._server import (
    REUSE_ADDRESS,
    BaseTestServer,
    RawTestServer,
    TestServer,
    get_port_socket,
    get_unused_port_socket,
    unused_port,
)
from ._server_errors import HandlerError
from ._tls import client_ssl_context, server_ssl_context
from ._virtual_loop import clock_of, virtual_loop_factory

__version__ = "0.1.0"

__all__ = [
    "REUSE_ADDRESS",
    "AioHTTPTestCase",
    "AsyncTestCase",
    "BaseTestServer",
    "CallbackResult",
    "Clock",
    "FakeAPI",
    "FakeHost",
    "FakeReply",
    "FakeRequest",
    "FakeRoute",
    "GetEventLoopForbidden",
    "HandlerError",
    "LoopStuck",
    "ProxyConnection",
    "RawTestServer",
    "RequestCall",
    "TCPProxy",
    "TestClient",
    "TestServer",
    "UnmatchedRequest",
    "aioresponses",
    "catch_loop_exceptions",
    "check_leaks",
    "client_ssl_context",
    "clock_of",
    "current_loop",
    "executor_factory",
    "fake_host",
    "forbid_get_event_loop",
    "get_port_socket",
    "get_unused_port_socket",
    "loop_context",
    "loop_debug",
    "loop_factory",
    "make_mocked_coro",
    "make_mocked_request",
    "raise_server_exceptions",
    "run_forever",
    "run_until_complete",
    "server_ssl_context",
    "setup_test_loop",
    "slow_callback_duration",
    "strict",
    "teardown_test_loop",
    "timeout",
    "unittest_run_loop",
    "unused_port",
    "virtual_loop_factory",
    "virtual_time",
]

"""aiotest: fast, strict unittest test cases for aiohttp applications and asyncio code."""

from __future__ import annotations

from ._case import AioHTTPTestCase, AsyncTestCase
from ._client import TestClient
from ._legacy import unittest_run_loop
from ._loops import loop_context, setup_test_loop, teardown_test_loop
from ._mocks import make_mocked_coro, make_mocked_request
from ._server import (
    BaseTestServer,
    RawTestServer,
    TestServer,
    get_port_socket,
    get_unused_port_socket,
    unused_port,
)

__version__ = "0.1.0"

__all__ = [
    "AioHTTPTestCase",
    "AsyncTestCase",
    "BaseTestServer",
    "RawTestServer",
    "TestClient",
    "TestServer",
    "get_port_socket",
    "get_unused_port_socket",
    "loop_context",
    "make_mocked_coro",
    "make_mocked_request",
    "setup_test_loop",
    "teardown_test_loop",
    "unittest_run_loop",
    "unused_port",
]

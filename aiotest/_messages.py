"""User-facing messages, kept in one place so that tests and docs can refer to them."""

from __future__ import annotations

USE_ASYNC_WITH = (
    "use 'async with' instead of 'with': the test server and client start and close asynchronously"
)
SERVER_NOT_STARTED = "the test server is not started; call start_server() first"
CLIENT_NEEDS_SERVER = (
    "TestClient needs a test server (aiotest.TestServer, aiotest.RawTestServer or another "
    "aiotest.BaseTestServer), got {type_name}: wrap an aiohttp.web.Application in TestServer(app)"
)
CLIENT_CLOSED = "the test client is closed; it cannot send more requests"
MAKE_URL_NEEDS_PATH = (
    "make_url() takes a path relative to the test server, not the absolute URL {url}"
)
NO_APPLICATION = (
    "{class_name} defines no application: override 'async def get_application(self)' "
    "(or the older 'def get_app(self)') to return the aiohttp.web.Application to test"
)
UNITTEST_RUN_LOOP_DEPRECATED = (
    "@unittest_run_loop is no longer needed: test methods of AioHTTPTestCase can be "
    "'async def' directly; remove the decorator"
)

"""Source code of the generated benchmark suites: one app, four test shapes, eleven contenders.

Every contender tests the same application with the same request and the same assertions;
only the harness around the request differs. The generated files are plain test modules
that each contender's users would write by hand.
"""

from __future__ import annotations

import textwrap

SHAPES = ("get", "post_json", "websocket", "startup")

# The application under test, pasted at the top of every generated module.
APP = """
from aiohttp import web

READY = web.AppKey("ready", dict)


async def hello(request):
    return web.Response(text="hello")


async def echo_json(request):
    return web.json_response(await request.json())


async def echo_websocket(request):
    websocket = web.WebSocketResponse()
    await websocket.prepare(request)
    async for message in websocket:
        await websocket.send_str(message.data)
    return websocket


async def ready(request):
    return web.Response(text=request.app[READY]["state"])


async def open_resources(app):
    app[READY] = {"state": "ready"}


async def close_resources(app):
    app[READY]["state"] = "closed"


def make_app(with_hooks=False):
    app = web.Application()
    app.router.add_get("/", hello)
    app.router.add_post("/echo", echo_json)
    app.router.add_get("/ws", echo_websocket)
    if with_hooks:
        app.router.add_get("/ready", ready)
        app.on_startup.append(open_resources)
        app.on_cleanup.append(close_resources)
    return app
"""

# One test body per shape; ``client`` has TestClient's interface, ``n`` is the test's number.
BODIES = {
    "get": """
async with client.get("/") as response:
    assert response.status == 200
    assert await response.text() == "hello"
""",
    "post_json": """
async with client.post("/echo", json={"n": n}) as response:
    assert response.status == 200
    assert await response.json() == {"n": n}
""",
    "websocket": """
async with client.ws_connect("/ws") as websocket:
    await websocket.send_str("ping")
    message = await websocket.receive()
    assert message.data == "ping"
""",
    "startup": """
async with client.get("/ready") as response:
    assert await response.text() == "ready"
""",
}

# Each contender: how a module starts (after APP) and how one test is written.
# {hooks} is True for the "startup" shape; {n} the test's number; {body} the shape's body.
_TESTCASE_HEAD = """
import asyncio

from {module} import AioHTTPTestCase


class BenchTest(AioHTTPTestCase):{extra}
    async def get_application(self):
        return make_app(with_hooks={hooks})
"""
_TESTCASE_TEST = """
    async def test_{n}(self):
        client, n = self.client, {n}
{body}
"""

_PYTEST_HEAD = ""
_PYTEST_TEST = """
async def test_{n}(aiohttp_client):
    client, n = await aiohttp_client(make_app(with_hooks={hooks})), {n}
{body}
"""

# aiohttp.test_utils with the debug mode that IsolatedAsyncioTestCase turns on for its loop
# switched off again, first thing in asyncSetUp, with the loop's public set_debug.
_NO_DEBUG = """
    async def asyncSetUp(self):
        asyncio.get_running_loop().set_debug(False)
        await super().asyncSetUp()
"""

# A session with TestClient's relative paths, for the hand-written contenders below.
_CLIENT = """
import asyncio
import unittest

import aiohttp


class _Client:
    def __init__(self, session, root):
        self._session, self._root = session, root

    def get(self, path, **kwargs):
        return self._session.get(self._root + path, **kwargs)

    def post(self, path, **kwargs):
        return self._session.post(self._root + path, **kwargs)

    def ws_connect(self, path, **kwargs):
        return self._session.ws_connect(self._root + path, **kwargs)
"""

# One test's own loop-free part of the isolation floor: the application on an AppRunner and
# a TCPSite on a port the kernel picks, a client session, the request, all closed again.
_ISOLATED = (
    _CLIENT
    + """

async def _isolated(body):
    runner = web.AppRunner(make_app(with_hooks={hooks}))
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        root = "http://127.0.0.1:%d" % runner.addresses[0][1]
        async with aiohttp.ClientSession() as session:
            await body(_Client(session, root))
    finally:
        await runner.cleanup()
"""
)

# The isolation floor: by hand, what per-test isolation cannot do without. Each test makes
# an event loop, the application, an AppRunner and a TCPSite on a port the kernel picks,
# opens a client session, sends its request, and closes all of it again.
_ISOLATED_HEAD = (
    _ISOLATED
    + """

class BenchTest(unittest.TestCase):
    def run_body(self, body):
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(_isolated(body))
        finally:
            loop.close()
"""
)

# The isolation floor written as pytest tests, run by pytest with no async plugin at all:
# what any pytest plugin that gives each test its own loop, server and client must cost
# at least, pytest's own per-test work included.
_PYTEST_FLOOR_HEAD = (
    _ISOLATED
    + """

def run_body(body):
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(_isolated(body))
    finally:
        loop.close()
"""
)
_PYTEST_FLOOR_TEST = """
def test_{n}():
    async def body(client, n={n}):
{body}
    run_body(body)
"""

# The floor and the warm request: the same app served once for the whole module, on a loop
# of its own; warm reuses one client session (keep-alive), floor opens a fresh one per test
# and also makes and closes an event loop per test, the least a test with its own loop and
# client costs when the server is shared.
_BASELINE_HEAD = (
    _CLIENT
    + """
STATE = {{}}


async def _start():
    runner = web.AppRunner(make_app(with_hooks={hooks}))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    STATE.update(runner=runner, root=f"http://127.0.0.1:{{port}}")
    STATE["session"] = aiohttp.ClientSession()


async def _stop():
    await STATE["session"].close()
    await STATE["runner"].cleanup()


def setUpModule():
    STATE["loop"] = asyncio.new_event_loop()
    STATE["loop"].run_until_complete(_start())


def tearDownModule():
    STATE["loop"].run_until_complete(_stop())
    STATE["loop"].close()


class BenchTest(unittest.TestCase):
    fresh_loop_and_session = {fresh}

    def run_body(self, body):
        if not self.fresh_loop_and_session:
            STATE["loop"].run_until_complete(body(_Client(STATE["session"], STATE["root"])))
            return
        asyncio.new_event_loop().close()
        STATE["loop"].run_until_complete(self._fresh_session(body))

    async def _fresh_session(self, body):
        async with aiohttp.ClientSession() as session:
            await body(_Client(session, STATE["root"]))
"""
)
_BASELINE_TEST = """
    def test_{n}(self):
        async def body(client, n={n}):
{body}
        self.run_body(body)
"""

CONTENDERS: dict[str, tuple[str, str]] = {
    "aiotest": (_TESTCASE_HEAD, _TESTCASE_TEST),
    "aiotest-uvloop": (_TESTCASE_HEAD, _TESTCASE_TEST),
    "aiotest-class": (_TESTCASE_HEAD, _TESTCASE_TEST),
    "aiohttp.test_utils": (_TESTCASE_HEAD, _TESTCASE_TEST),
    "aiohttp.test_utils-nodebug": (_TESTCASE_HEAD, _TESTCASE_TEST),
    "pytest-aiohttp": (_PYTEST_HEAD, _PYTEST_TEST),
    "aiotest-pytest": (_PYTEST_HEAD, _PYTEST_TEST),
    "isolation-floor": (_ISOLATED_HEAD, _BASELINE_TEST),
    "pytest-floor": (_PYTEST_FLOOR_HEAD, _PYTEST_FLOOR_TEST),
    "floor": (_BASELINE_HEAD, _BASELINE_TEST),
    "warm": (_BASELINE_HEAD, _BASELINE_TEST),
}

_HEAD_VALUES = {
    "aiotest": {"module": "aiotest", "extra": "", "fresh": "True"},
    "aiotest-uvloop": {"module": "aiotest", "extra": "", "fresh": "True"},
    "aiotest-class": {"module": "aiotest", "extra": '\n    server_scope = "class"\n', "fresh": ""},
    "aiohttp.test_utils": {"module": "aiohttp.test_utils", "extra": "", "fresh": ""},
    "aiohttp.test_utils-nodebug": {"module": "aiohttp.test_utils", "extra": _NO_DEBUG, "fresh": ""},
    "pytest-aiohttp": {"module": "", "extra": "", "fresh": ""},
    "aiotest-pytest": {"module": "", "extra": "", "fresh": ""},
    "isolation-floor": {"module": "", "extra": "", "fresh": ""},
    "pytest-floor": {"module": "", "extra": "", "fresh": ""},
    "floor": {"module": "", "extra": "", "fresh": "True"},
    "warm": {"module": "", "extra": "", "fresh": "False"},
}

_BODY_INDENT = {
    "aiotest": 8,
    "aiotest-uvloop": 8,
    "aiotest-class": 8,
    "aiohttp.test_utils": 8,
    "aiohttp.test_utils-nodebug": 8,
    "pytest-aiohttp": 4,
    "aiotest-pytest": 4,
    "isolation-floor": 12,
    "pytest-floor": 8,
    "floor": 12,
    "warm": 12,
}


def module_source(contender: str, shape: str, count: int) -> str:
    """Return a test module with ``count`` tests of ``shape`` written for ``contender``."""
    head, test = CONTENDERS[contender]
    hooks = shape == "startup"
    values = _HEAD_VALUES[contender]
    parts = [APP, head.format(hooks=hooks, **values)]
    body = textwrap.indent(BODIES[shape].strip("\n"), " " * _BODY_INDENT[contender])
    for n in range(count):
        parts.append(test.format(n=n, hooks=hooks, body=body))
    return "".join(parts)


PYTEST_INI = """[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""

#: aiotest's plugin runs the same modules as pytest-aiohttp, with no pytest-asyncio options
#: (nor does pytest-floor, which needs no plugin).
AIOTEST_PYTEST_INI = "[pytest]\n"

#: The command-line arguments that put each pytest contender's plugin in charge.
PYTEST_PLUGIN_ARGS = {
    "pytest-aiohttp": ("-p", "pytest_aiohttp"),
    "aiotest-pytest": ("-p", "aiotest.pytest_plugin", "-p", "no:aiohttp", "-p", "no:asyncio"),
    "pytest-floor": ("-p", "no:aiohttp", "-p", "no:asyncio"),
}

"""aiotest.pytest_plugin: generated suites run under pytest in a subprocess, outcomes read back."""

from __future__ import annotations

import importlib.util
import unittest

from tests._pytest_run import Run, run_pytest

HAS_UVLOOP = importlib.util.find_spec("uvloop") is not None

CORE = """
import asyncio
import aiohttp
import pytest
from aiohttp import web

import aiotest

LOOPS = []
MADE = {}


async def hello(request):
    return web.Response(text="hello")


async def broken(request):
    raise ZeroDivisionError("handler bug")


def make_app():
    app = web.Application()
    app.router.add_get("/", hello)
    app.router.add_get("/broken", broken)
    return app


@pytest.fixture
async def answer():
    await asyncio.sleep(0)
    return asyncio.get_running_loop(), 42


@pytest.fixture
async def resource():
    LOOPS.append(("resource opened", asyncio.get_running_loop()))
    yield asyncio.get_running_loop()
    await asyncio.sleep(0)
    LOOPS.append(("resource closed", asyncio.get_running_loop()))


async def test_fixtures_share_the_test_loop(answer, resource):
    loop = asyncio.get_running_loop()
    assert answer == (loop, 42)
    assert resource is loop
    assert not loop.get_debug()
    LOOPS.append(("test", loop))


def test_generator_fixture_closed_on_its_loop_then_loop_closed():
    names = [name for name, _ in LOOPS]
    assert names == ["resource opened", "test", "resource closed"]
    loops = {id(loop) for _, loop in LOOPS}
    assert len(loops) == 1
    assert LOOPS[0][1].is_closed()


async def test_fresh_loop_per_test():
    assert asyncio.get_running_loop() is not LOOPS[0][1]


def test_sync_test_gets_idle_loop(loop):
    assert isinstance(loop, asyncio.AbstractEventLoop)
    assert not loop.is_running()
    assert loop.run_until_complete(asyncio.sleep(0, "done")) == "done"


async def test_client_for_app(aiohttp_client, loop):
    assert loop is asyncio.get_running_loop()
    client = await aiohttp_client(make_app())
    MADE["client"] = client
    async with client.get("/") as response:
        assert await response.text() == "hello"


def test_client_and_its_server_closed_after_the_test():
    assert MADE["client"].closed
    assert MADE["client"].server.closed


async def test_server_and_raw_server(aiohttp_server, aiohttp_raw_server, aiohttp_client):
    server = await aiohttp_server(make_app())
    client = await aiohttp_client(server)
    async with client.get("/") as response:
        assert response.status == 200
    raw = await aiohttp_raw_server(hello)
    raw_client = await aiohttp_client(raw)
    async with raw_client.get("/any/path") as response:
        assert await response.text() == "hello"
    MADE["servers"] = (server, raw)


def test_servers_closed_after_the_test():
    assert all(server.closed for server in MADE["servers"])


def test_unused_port(aiohttp_unused_port):
    port = aiohttp_unused_port()
    assert isinstance(port, int) and 0 < port < 65536


async def test_server_on_a_given_port(aiohttp_server, aiohttp_unused_port):
    port = aiohttp_unused_port()
    server = await aiohttp_server(make_app(), port=port)
    assert server.port == port


def test_client_cls_is_aiotests(aiohttp_client_cls):
    assert aiohttp_client_cls is aiotest.TestClient


@pytest.mark.parametrize("path, status", [("/", 200), ("/missing", 404)])
async def test_parametrized(aiohttp_client, path, status):
    client = await aiohttp_client(make_app(), server_kwargs={"host": "127.0.0.1"})
    async with client.get(path) as response:
        assert response.status == status


async def test_unknown_client_argument(aiohttp_client):
    await aiohttp_client("not an app")


async def test_handler_error_shown_with_failure(aiohttp_client):
    client = await aiohttp_client(make_app())
    async with client.get("/broken") as response:
        assert response.status == 200


@pytest.mark.aiotest(raise_server_exceptions=True)
async def test_raise_server_exceptions_fails(aiohttp_client):
    client = await aiohttp_client(make_app())
    async with client.get("/broken") as response:
        assert response.status == 500


@pytest.mark.aiotest(raise_server_exceptions=True)
async def test_raise_server_exceptions_passes(aiohttp_client):
    client = await aiohttp_client(make_app())
    async with client.get("/") as response:
        assert response.status == 200


@pytest.mark.aiotest(timeout=0.2)
async def test_timeout_fails():
    await asyncio.sleep(30)


@pytest.mark.aiotest(timeout=5)
async def test_timeout_passes():
    await asyncio.sleep(0)


@pytest.mark.aiotest(check_leaks=True)
async def test_leak_fails():
    MADE["session"] = aiohttp.ClientSession()


@pytest.mark.aiotest(check_leaks=True)
async def test_no_leak_passes(aiohttp_client):
    client = await aiohttp_client(make_app())
    async with client.get("/") as response:
        assert response.status == 200


@pytest.mark.catch_loop_exceptions
async def test_catch_loop_exceptions_fails():
    asyncio.get_running_loop().call_soon(lambda: 1 / 0)
    await asyncio.sleep(0.01)


async def test_loop_exceptions_uncaught_by_default():
    asyncio.get_running_loop().call_soon(lambda: 1 / 0)
    await asyncio.sleep(0.01)


@pytest.mark.forbid_get_event_loop
async def test_forbid_get_event_loop_fails():
    try:
        asyncio.get_event_loop()
    except BaseException:
        pass


@pytest.mark.aiotest(strict=True)
async def test_strict_fails_on_leak():
    MADE["strict session"] = aiohttp.ClientSession()


@pytest.mark.aiotest(strict=True, check_leaks=False)
async def test_explicit_check_beats_strict():
    MADE["allowed session"] = aiohttp.ClientSession()


@pytest.mark.aiotest(loop_debug=True)
async def test_loop_debug_marker():
    assert asyncio.get_running_loop().get_debug()


@pytest.mark.aiotest(timeout=-1)
async def test_bad_marker_value():
    pass


@pytest.mark.aiotest(timeuot=1)
async def test_unknown_marker_setting():
    pass


async def failing_startup(app):
    raise RuntimeError("startup failed")


@pytest.mark.aiotest(check_leaks=True)
async def test_setup_fails_part_way(aiohttp_client):
    app = make_app()
    app.on_startup.append(failing_startup)
    await aiohttp_client(app)


@pytest.mark.aiotest(check_leaks=True)
async def test_server_setup_fails_part_way(aiohttp_server):
    app = make_app()
    app.on_startup.append(failing_startup)
    await aiohttp_server(app)


@pytest.fixture
async def broken_fixture(aiohttp_client):
    MADE["fixture client"] = await aiohttp_client(make_app())
    raise LookupError("fixture setup failed")


@pytest.mark.aiotest(check_leaks=True)
async def test_async_fixture_setup_error(broken_fixture):
    pass


def test_what_failed_setup_made_is_closed():
    assert MADE["fixture client"].closed


@pytest.fixture(scope="module")
async def module_scoped():
    return 1


async def test_wider_scope_async_fixture_refused(module_scoped):
    pass
"""

#: test -> (junit kinds, fragments its report must contain)
CORE_EXPECTED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "test_fixtures_share_the_test_loop": ((), ()),
    "test_generator_fixture_closed_on_its_loop_then_loop_closed": ((), ()),
    "test_fresh_loop_per_test": ((), ()),
    "test_sync_test_gets_idle_loop": ((), ()),
    "test_client_for_app": ((), ()),
    "test_client_and_its_server_closed_after_the_test": ((), ()),
    "test_server_and_raw_server": ((), ()),
    "test_servers_closed_after_the_test": ((), ()),
    "test_unused_port": ((), ()),
    "test_server_on_a_given_port": ((), ()),
    "test_client_cls_is_aiotests": ((), ()),
    "test_parametrized[/-200]": ((), ()),
    "test_parametrized[/missing-404]": ((), ()),
    "test_unknown_client_argument": (("failure",), ("aiohttp_client() takes", "str")),
    "test_handler_error_shown_with_failure": (
        ("failure",),
        ("assert 500 == 200", "GET /broken", "ZeroDivisionError: handler bug"),
    ),
    "test_raise_server_exceptions_fails": (
        ("error",),
        ("(raise_server_exceptions)", "GET /broken", "ZeroDivisionError: handler bug"),
    ),
    "test_raise_server_exceptions_passes": ((), ()),
    "test_timeout_fails": (
        ("failure",),
        ("timeout of 0.2 s", "Tasks pending", "await asyncio.sleep(30)"),
    ),
    "test_timeout_passes": ((), ()),
    "test_leak_fails": (
        ("error",),
        ("aiohttp.ClientSession was not closed", 'MADE["session"] = aiohttp.ClientSession()'),
    ),
    "test_no_leak_passes": ((), ()),
    "test_catch_loop_exceptions_fails": (("error",), ("ZeroDivisionError",)),
    "test_loop_exceptions_uncaught_by_default": ((), ()),
    "test_forbid_get_event_loop_fails": (("error",), ("forbid_get_event_loop",)),
    "test_strict_fails_on_leak": (("error",), ("aiohttp.ClientSession was not closed",)),
    "test_explicit_check_beats_strict": ((), ()),
    "test_loop_debug_marker": ((), ()),
    "test_bad_marker_value": (("error",), ("@pytest.mark.aiotest(timeout=...)", "-1")),
    "test_unknown_marker_setting": (("error",), ("timeuot", "names no aiotest setting")),
    "test_setup_fails_part_way": (("failure",), ("startup failed",)),
    "test_server_setup_fails_part_way": (("failure",), ("startup failed",)),
    "test_async_fixture_setup_error": (("error",), ("fixture setup failed",)),
    "test_what_failed_setup_made_is_closed": ((), ()),
    "test_wider_scope_async_fixture_refused": (
        ("error",),
        ("'module_scoped' has scope 'module'",),
    ),
}


def check_outcomes(
    test: unittest.TestCase,
    run: Run,
    expected: dict[str, tuple[tuple[str, ...], tuple[str, ...]]],
) -> None:
    test.assertEqual(sorted(run.outcomes), sorted(expected), run.output)
    for name, (kinds, fragments) in expected.items():
        with test.subTest(test=name):
            outcome = run.outcomes[name]
            test.assertEqual(outcome.kinds, kinds, outcome.text or run.output)
            for fragment in fragments:
                test.assertIn(fragment, outcome.text)


@unittest.skipUnless(importlib.util.find_spec("pytest"), "pytest is not installed here")
class CoreSuiteTest(unittest.TestCase):
    run_: Run

    @classmethod
    def setUpClass(cls) -> None:
        cls.run_ = run_pytest({"test_core.py": CORE}, "--strict-markers", "-p", "no:randomly")

    def test_outcomes_and_reports(self) -> None:
        check_outcomes(self, self.run_, CORE_EXPECTED)

    def test_failures_of_setup_that_failed_part_way_are_not_leaks(self) -> None:
        # check_leaks is on: the client made before the failure was closed, so the only
        # problem reported is the failure itself.
        names = (
            "test_setup_fails_part_way",
            "test_server_setup_fails_part_way",
            "test_async_fixture_setup_error",
        )
        for name in names:
            self.assertNotIn("was not closed", self.run_.outcomes[name].text)

    def test_reports_are_in_junit_xml(self) -> None:
        for fragment in ("Tasks pending", "GET /broken", "created at"):
            self.assertIn(fragment, self.run_.junit)


@unittest.skipUnless(importlib.util.find_spec("pytest"), "pytest is not installed here")
class EnablingTest(unittest.TestCase):
    SUITE = """
    import asyncio

    async def test_async():
        await asyncio.sleep(0)

    def test_uses_aiohttp_client(aiohttp_client):
        pass
    """

    def test_not_loaded_unless_asked_for(self) -> None:
        run = run_pytest({"test_x.py": self.SUITE}, plugin=("-p", "no:asyncio", "-p", "no:aiohttp"))
        self.assertFalse(run.outcomes["test_async"].passed)
        self.assertIn(
            "fixture 'aiohttp_client' not found", run.outcomes["test_uses_aiohttp_client"].text
        )

    def test_conftest_pytest_plugins_enables_it(self) -> None:
        conftest = 'pytest_plugins = ["aiotest.pytest_plugin"]\n'
        run = run_pytest(
            {"conftest.py": conftest, "test_x.py": self.SUITE},
            plugin=("-p", "no:asyncio", "-p", "no:aiohttp"),
        )
        self.assertTrue(run.outcomes["test_async"].passed, run.output)
        self.assertTrue(run.outcomes["test_uses_aiohttp_client"].passed, run.output)


if __name__ == "__main__":
    unittest.main()


OVERRIDES_CONFTEST = """
import asyncio

import pytest

import aiotest

USER_LOOPS = []


class MyClient(aiotest.TestClient):
    pass


@pytest.fixture
def loop():
    loop = asyncio.new_event_loop()
    USER_LOOPS.append(loop)
    yield loop
    loop.close()


@pytest.fixture
def aiohttp_client_cls():
    return MyClient
"""

OVERRIDES = """
import asyncio

from aiohttp import test_utils, web

from conftest import USER_LOOPS, MyClient


async def hello(request):
    return web.Response(text="hello")


def make_app():
    app = web.Application()
    app.router.add_get("/", hello)
    return app


async def test_runs_on_the_users_loop(loop, aiohttp_client):
    assert asyncio.get_running_loop() is loop is USER_LOOPS[-1]
    client = await aiohttp_client(make_app())
    assert type(client) is MyClient
    async with client.get("/") as response:
        assert await response.text() == "hello"


def test_users_loop_closed_by_its_fixture():
    assert USER_LOOPS[-1].is_closed()


async def test_aiohttp_client_alone_runs_on_the_users_loop(aiohttp_client):
    assert asyncio.get_running_loop() is USER_LOOPS[-1]
    client = await aiohttp_client(make_app())
    assert type(client) is MyClient


async def test_a_test_without_aiohttps_fixtures_gets_a_loop_of_its_own():
    assert asyncio.get_running_loop() not in USER_LOOPS
"""

PARAMETRIZED_OVERRIDES = """
import asyncio

import pytest
from aiohttp import web

import aiotest

LOOPS = {}


class Mine(aiotest.TestClient):
    pass


@pytest.fixture(params=["first", "second"])
def loop(request):
    loop = asyncio.new_event_loop()
    LOOPS[request.param] = loop
    yield loop
    loop.close()


@pytest.fixture(params=[aiotest.TestClient, Mine], ids=["aiotest", "mine"])
def aiohttp_client_cls(request):
    return request.param


async def test_client(aiohttp_client, request):
    loop_id, client_id = request.node.callspec.id.split("-")
    assert asyncio.get_running_loop() is LOOPS[loop_id]
    client = await aiohttp_client(web.Application())
    assert (type(client) is Mine) == (client_id == "mine")
"""

AIOHTTP_OBJECTS = """
from aiohttp import test_utils, web


async def hello(request):
    return web.Response(text="hello")


def make_app():
    app = web.Application()
    app.router.add_get("/", hello)
    return app


MADE = []


async def test_aiohttp_test_server_passed_to_aiohttp_client(aiohttp_client):
    server = test_utils.TestServer(make_app())
    client = await aiohttp_client(server)
    MADE.append(client)
    assert isinstance(client, test_utils.TestClient)
    async with client.get("/") as response:
        assert await response.text() == "hello"


async def test_aiohttp_raw_server_passed_to_aiohttp_client(aiohttp_client):
    client = await aiohttp_client(test_utils.RawTestServer(hello))
    async with client.get("/x") as response:
        assert response.status == 200


def test_aiohttp_client_closed():
    assert MADE[0].session.closed
"""


@unittest.skipUnless(importlib.util.find_spec("pytest"), "pytest is not installed here")
class DropInTest(unittest.TestCase):
    def test_conftest_overrides_of_loop_and_client_class(self) -> None:
        run = run_pytest({"conftest.py": OVERRIDES_CONFTEST, "test_overrides.py": OVERRIDES})
        self.assertEqual(len(run.outcomes), 4, run.output)
        for name, outcome in run.outcomes.items():
            self.assertTrue(outcome.passed, f"{name}: {outcome.text}")

    def test_parametrized_loop_and_client_class_parametrize_the_tests(self) -> None:
        run = run_pytest({"test_params.py": PARAMETRIZED_OVERRIDES})
        self.assertEqual(
            sorted(run.outcomes),
            [
                "test_client[first-aiotest]",
                "test_client[first-mine]",
                "test_client[second-aiotest]",
                "test_client[second-mine]",
            ],
            run.output,
        )
        for name, outcome in run.outcomes.items():
            self.assertTrue(outcome.passed, f"{name}: {outcome.text}")

    def test_aiohttp_test_utils_objects(self) -> None:
        run = run_pytest({"test_objects.py": AIOHTTP_OBJECTS})
        self.assertEqual(len(run.outcomes), 3, run.output)
        for name, outcome in run.outcomes.items():
            self.assertTrue(outcome.passed, f"{name}: {outcome.text}")


OPTIONS = """
import asyncio
import sys

import pytest


async def test_loop_type():
    name = type(asyncio.get_running_loop()).__module__.split(".")[0]
    with open("loops.txt", "a") as log:
        log.write(name + "\\n")


def test_sync_is_not_parametrized():
    pass


async def test_sleeps():
    await asyncio.sleep(0.5)


async def test_debug_reported():
    with open("debug.txt", "w") as log:
        log.write(str(asyncio.get_running_loop().get_debug()))


async def test_leaks():
    import aiohttp
    sys.modules[__name__].session = aiohttp.ClientSession()
"""


def _names(run: Run) -> list[str]:
    return sorted(run.outcomes)


@unittest.skipUnless(importlib.util.find_spec("pytest"), "pytest is not installed here")
class OptionsTest(unittest.TestCase):
    @unittest.skipUnless(HAS_UVLOOP, "uvloop is not installed here")
    def test_aiotest_loop_parametrizes_async_tests(self) -> None:
        for option in ("--aiotest-loop=asyncio,uvloop", "--aiohttp-loop=pyloop,uvloop"):
            with self.subTest(option=option):
                selected = ("-k", "loop_type or not_parametrized")
                run = run_pytest({"test_options.py": OPTIONS}, option, *selected)
                self.assertEqual(
                    _names(run),
                    [
                        "test_loop_type[asyncio]",
                        "test_loop_type[uvloop]",
                        "test_sync_is_not_parametrized",
                    ],
                    run.output,
                )
                self.assertTrue(all(o.passed for o in run.outcomes.values()), run.output)

    @unittest.skipUnless(HAS_UVLOOP, "uvloop is not installed here")
    def test_one_loop_from_command_line_ini_or_env(self) -> None:
        suite = (
            "import asyncio, os\n\n"
            "async def test_loop():\n"
            "    module = type(asyncio.get_running_loop()).__module__.split('.')[0]\n"
            "    assert module == os.environ['EXPECTED_LOOP'], module\n"
        )
        cases: tuple[tuple[tuple[str, ...], dict[str, str], dict[str, str], str], ...] = (
            ((), {}, {}, "asyncio"),
            (("--aiotest-loop=uvloop",), {}, {}, "uvloop"),
            ((), {"pytest.ini": "[pytest]\naiotest_loop = uvloop\n"}, {}, "uvloop"),
            ((), {}, {"AIOTEST_LOOP": "uvloop"}, "uvloop"),
            (("--aiotest-loop=asyncio",), {}, {"AIOTEST_LOOP": "uvloop"}, "asyncio"),
        )
        for args, files, env, expected in cases:
            with self.subTest(args=args, files=sorted(files), env=env):
                run = run_pytest(
                    {"test_one.py": suite, **files}, *args, env={**env, "EXPECTED_LOOP": expected}
                )
                self.assertEqual(sorted(run.outcomes), ["test_loop"], run.output)
                self.assertTrue(run.outcomes["test_loop"].passed, run.output)

    def test_bad_loop_name_stops_the_run(self) -> None:
        run = run_pytest({"test_options.py": OPTIONS}, "--aiotest-loop=tokio")
        self.assertEqual(run.returncode, 4, run.output)
        self.assertIn("--aiotest-loop 'tokio'", run.output)

    def test_timeout_from_command_line_ini_and_env(self) -> None:
        ini = "[pytest]\naiotest_timeout = 0.1\n"
        for files, args, env in (
            ({}, ("--aiotest-timeout=0.1",), {}),
            ({"pytest.ini": ini}, (), {}),
            ({}, (), {"AIOTEST_TIMEOUT": "0.1"}),
        ):
            with self.subTest(args=args, files=sorted(files), env=env):
                run = run_pytest(
                    {"test_options.py": OPTIONS, **files}, *args, "-k", "sleeps", env=env
                )
                outcome = run.outcomes["test_sleeps"]
                self.assertEqual(outcome.kinds, ("failure",), run.output)
                self.assertIn("timeout of 0.1 s", outcome.text)
        run = run_pytest({"test_options.py": OPTIONS}, "-k", "sleeps")
        self.assertTrue(run.outcomes["test_sleeps"].passed, run.output)

    def test_command_line_beats_ini(self) -> None:
        run = run_pytest(
            {"test_options.py": OPTIONS, "pytest.ini": "[pytest]\naiotest_timeout = 0.1\n"},
            "--aiotest-timeout=5",
            "-k",
            "sleeps",
        )
        self.assertTrue(run.outcomes["test_sleeps"].passed, run.output)

    def test_bad_timeout_stops_the_run(self) -> None:
        run = run_pytest({"test_options.py": OPTIONS}, "--aiotest-timeout=soon")
        self.assertEqual(run.returncode, 4, run.output)
        self.assertIn("--aiotest-timeout: 'soon' is not a number of seconds", run.output)

    def test_strict_from_command_line_and_ini(self) -> None:
        for files, args in (({}, ("--aiotest-strict",)), ({"pytest.ini": STRICT_INI}, ())):
            with self.subTest(args=args):
                run = run_pytest({"test_options.py": OPTIONS, **files}, *args, "-k", "leaks")
                outcome = run.outcomes["test_leaks"]
                self.assertEqual(outcome.kinds, ("error",), run.output)
                self.assertIn("aiohttp.ClientSession was not closed", outcome.text)
        run = run_pytest({"test_options.py": OPTIONS}, "-k", "leaks")
        self.assertTrue(run.outcomes["test_leaks"].passed, run.output)

    def test_debug_from_command_line(self) -> None:
        for args, expected in ((("--aiotest-debug",), "True"), ((), "False")):
            with self.subTest(args=args):
                files = {"test_options.py": OPTIONS, "conftest.py": DEBUG_CONFTEST}
                run = run_pytest(files, *args, "-k", "debug")
                self.assertEqual(run.outcomes["test_debug_reported"].text.strip(), "", run.output)
                self.assertIn(f"loop debug: {expected}", run.output)


STRICT_INI = "[pytest]\naiotest_strict = true\n"

# Reports the debug mode the test saw, from the test's own directory.
DEBUG_CONFTEST = """
import pathlib


def pytest_terminal_summary(terminalreporter):
    path = pathlib.Path("debug.txt")
    if path.exists():
        terminalreporter.write_line("loop debug: " + path.read_text())
"""


UNITTEST_CLASSES = """
import asyncio

import aiotest
from aiohttp import web


class Case(aiotest.AioHTTPTestCase):
    async def get_application(self):
        app = web.Application()
        app.router.add_get("/", lambda request: web.Response(text="hello"))
        return app

    async def test_client(self):
        async with self.client.get("/") as response:
            self.assertEqual(await response.text(), "hello")

    @aiotest.timeout(0.1)
    async def test_timeout_still_reported(self):
        await asyncio.sleep(30)


async def test_function_next_to_them():
    await asyncio.sleep(0)
"""

WITH_PYTEST_ASYNCIO = """
import asyncio

import pytest


@pytest.mark.asyncio
@pytest.mark.aiotest(timeout=0.05)
async def test_marked_is_pytest_asyncios():
    # aiotest leaves it alone: its timeout does not apply.
    await asyncio.sleep(0.2)


@pytest.mark.aiotest(timeout=0.05)
async def test_unmarked_is_aiotests():
    await asyncio.sleep(0.2)


async def test_unmarked_passes():
    await asyncio.sleep(0)
"""

ASYNCIO_PLUGIN_ACTIVE = ("-p", "aiotest.pytest_plugin", "-p", "no:aiohttp")


@unittest.skipUnless(importlib.util.find_spec("pytest"), "pytest is not installed here")
class OtherRunnersTest(unittest.TestCase):
    def test_aiotest_unittest_classes_keep_working(self) -> None:
        run = run_pytest({"test_classes.py": UNITTEST_CLASSES})
        self.assertEqual(len(run.outcomes), 3, run.output)
        self.assertTrue(run.outcomes["test_client"].passed, run.output)
        self.assertTrue(run.outcomes["test_function_next_to_them"].passed, run.output)
        timeout = run.outcomes["test_timeout_still_reported"]
        self.assertEqual(timeout.kinds, ("failure",), run.output)
        self.assertIn("await asyncio.sleep(30)", timeout.text)

    @unittest.skipUnless(importlib.util.find_spec("pytest_asyncio"), "needs pytest-asyncio")
    def test_with_pytest_asyncio_each_test_runs_once(self) -> None:
        ini = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        run = run_pytest(
            {"test_both.py": WITH_PYTEST_ASYNCIO, "pytest.ini": ini},
            plugin=ASYNCIO_PLUGIN_ACTIVE,
        )
        self.assertEqual(
            sorted(run.outcomes),
            ["test_marked_is_pytest_asyncios", "test_unmarked_is_aiotests", "test_unmarked_passes"],
            run.output,
        )
        self.assertTrue(run.outcomes["test_marked_is_pytest_asyncios"].passed, run.output)
        self.assertTrue(run.outcomes["test_unmarked_passes"].passed, run.output)
        unmarked = run.outcomes["test_unmarked_is_aiotests"]
        self.assertEqual(unmarked.kinds, ("failure",), run.output)
        self.assertIn("timeout of 0.05 s", unmarked.text)

    @unittest.skipUnless(importlib.util.find_spec("pytest_asyncio"), "needs pytest-asyncio")
    def test_aiotests_fixtures_in_a_pytest_asyncio_test_say_why_they_fail(self) -> None:
        ini = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        marked = (
            "import pytest\n\n\n"
            "@pytest.mark.asyncio\n"
            "async def test_client(aiohttp_client):\n    pass\n\n\n"
            "@pytest.mark.asyncio\n"
            "async def test_loop(loop):\n    pass\n"
        )
        run = run_pytest(
            {"test_marked.py": marked, "pytest.ini": ini}, plugin=ASYNCIO_PLUGIN_ACTIVE
        )
        for name, fixture_name in (("test_client", "aiohttp_client"), ("test_loop", "loop")):
            outcome = run.outcomes[name]
            self.assertEqual(outcome.kinds, ("error",), run.output)
            self.assertIn(
                f"the fixture '{fixture_name}' needs aiotest's loop, but test_marked.py::{name} "
                "does not run on it: the test is marked asyncio",
                outcome.text,
            )

    @unittest.skipUnless(importlib.util.find_spec("pytest_asyncio"), "needs pytest-asyncio")
    def test_pytest_asyncio_auto_mode_stops_the_run(self) -> None:
        ini = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        run = run_pytest(
            {"test_both.py": WITH_PYTEST_ASYNCIO, "pytest.ini": ini},
            plugin=ASYNCIO_PLUGIN_ACTIVE,
        )
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("asyncio_mode = strict", run.output)
        self.assertEqual(run.outcomes, {})

    @unittest.skipUnless(importlib.util.find_spec("xdist"), "needs pytest-xdist")
    def test_xdist(self) -> None:
        files = {"test_core.py": CORE}
        run = run_pytest(files, "-n", "2", "-p", "xdist", "-k", "not closed and not fresh")
        expected = {
            name: value
            for name, value in CORE_EXPECTED.items()
            if "closed" not in name and "fresh" not in name
        }
        check_outcomes(self, run, expected)


AIOMISC_STYLE = """
import asyncio
import concurrent.futures
import socket

import pytest
from aiohttp import web

EVENTS = []


class Recorder:
    def __init__(self, name, fail=False):
        self.name = name
        self.fail = fail

    async def start(self):
        EVENTS.append(("start", self.name, asyncio.get_running_loop()))
        if self.fail:
            raise OSError(f"{self.name} could not start")

    async def stop(self):
        EVENTS.append(("stop", self.name, asyncio.get_running_loop()))


@pytest.fixture
def services(request):
    failing = getattr(request, "param", None)
    return [Recorder("db"), Recorder("cache", fail=failing == "cache"), Recorder("web")]


async def test_services_run_during_the_test():
    loop = asyncio.get_running_loop()
    assert [(kind, name) for kind, name, _ in EVENTS] == [
        ("start", "db"), ("start", "cache"), ("start", "web")
    ]
    assert all(seen is loop for _, _, seen in EVENTS)


def test_services_stopped_in_reverse():
    assert [(kind, name) for kind, name, _ in EVENTS[3:]] == [
        ("stop", "web"), ("stop", "cache"), ("stop", "db")
    ]
    EVENTS.clear()


@pytest.mark.parametrize("services", ["cache"], indirect=True)
async def test_failing_start():
    pass


def test_failing_start_stopped_those_started():
    assert [(kind, name) for kind, name, _ in EVENTS] == [
        ("start", "db"), ("start", "cache"), ("stop", "db")
    ]


def test_localhost(localhost):
    assert localhost == "127.0.0.1"


PORTS = []


async def test_unused_port_reserved(aiomisc_unused_port, aiohttp_server, localhost):
    probe = socket.socket()
    with pytest.raises(OSError):
        probe.bind((localhost, aiomisc_unused_port))
    probe.close()
    app = web.Application()
    app.router.add_get("/", lambda request: web.Response(text="ok"))
    server = await aiohttp_server(app, port=aiomisc_unused_port)
    assert server.port == aiomisc_unused_port
    PORTS.append(aiomisc_unused_port)


def test_unused_port_released_after_the_test(aiomisc_unused_port_factory):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", PORTS[0]))
    assert aiomisc_unused_port_factory() != aiomisc_unused_port_factory()


async def test_tcp_proxy(tcp_proxy, aiohttp_server, aiohttp_client, localhost):
    app = web.Application()
    app.router.add_get("/", lambda request: web.Response(text="through"))
    server = await aiohttp_server(app)
    async with tcp_proxy(localhost, server.port) as proxy:
        import aiohttp
        async with aiohttp.ClientSession() as session:
            async with session.get(proxy.make_url("/")) as response:
                assert await response.text() == "through"
"""

AIOMISC_CONFTEST = """
import concurrent.futures

import pytest

SERVICES_OFF = True


@pytest.fixture
def aiotest_executor_factory():
    return lambda: concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="custom-pool")
"""

EXECUTOR_TEST = """
import asyncio
import threading


async def test_default_executor_from_fixture():
    name = await asyncio.get_running_loop().run_in_executor(
        None, lambda: threading.current_thread().name
    )
    assert name.startswith("custom-pool"), name
"""

LOOP_FACTORY_CONFTEST = """
import asyncio

import pytest
import uvloop


@pytest.fixture(params=[asyncio.new_event_loop, uvloop.new_event_loop], ids=["asyncio", "uvloop"])
def aiotest_loop_factory(request):
    return request.param
"""

LOOP_FACTORY_TEST = """
import asyncio


async def test_loop(request):
    expected = request.node.callspec.id
    module = type(asyncio.get_running_loop()).__module__
    assert (module.startswith("uvloop")) == (expected == "uvloop"), module
"""

BAD_FACTORY_CONFTEST = """
import pytest


@pytest.fixture
def aiotest_loop_factory():
    return "uvloop"
"""


@unittest.skipUnless(importlib.util.find_spec("pytest"), "pytest is not installed here")
class AiomiscStyleTest(unittest.TestCase):
    def test_services_ports_and_proxy(self) -> None:
        run = run_pytest({"test_aiomisc_style.py": AIOMISC_STYLE})
        self.assertEqual(len(run.outcomes), 8, run.output)
        failing = run.outcomes.pop("test_failing_start[cache]")
        self.assertEqual(failing.kinds, ("error",), run.output)
        self.assertIn("OSError: cache could not start", failing.text)
        for name, outcome in run.outcomes.items():
            self.assertTrue(outcome.passed, f"{name}: {outcome.text}")

    def test_not_a_service(self) -> None:
        conftest = "import pytest\n\n@pytest.fixture\ndef services():\n    return [object()]\n"
        run = run_pytest({"conftest.py": conftest, "test_x.py": "async def test_x():\n    pass\n"})
        outcome = run.outcomes["test_x"]
        self.assertEqual(outcome.kinds, ("error",), run.output)
        self.assertIn("has no async start()", outcome.text)

    def test_executor_factory_fixture(self) -> None:
        run = run_pytest({"conftest.py": AIOMISC_CONFTEST, "test_executor.py": EXECUTOR_TEST})
        self.assertTrue(run.outcomes["test_default_executor_from_fixture"].passed, run.output)

    @unittest.skipUnless(HAS_UVLOOP, "uvloop is not installed here")
    def test_parametrized_loop_factory_fixture(self) -> None:
        run = run_pytest({"conftest.py": LOOP_FACTORY_CONFTEST, "test_loop.py": LOOP_FACTORY_TEST})
        self.assertEqual(sorted(run.outcomes), ["test_loop[asyncio]", "test_loop[uvloop]"])
        self.assertTrue(all(o.passed for o in run.outcomes.values()), run.output)

    def test_bad_loop_factory_fixture(self) -> None:
        run = run_pytest({"conftest.py": BAD_FACTORY_CONFTEST, "test_loop.py": LOOP_FACTORY_TEST})
        outcome = run.outcomes["test_loop"]
        self.assertEqual(outcome.kinds, ("error",), run.output)
        self.assertIn("the fixture aiotest_loop_factory takes a callable", outcome.text)


AIOMISC_SERVICES = """
import asyncio

import aiomisc
import pytest
from aiomisc.service import TCPServer

EVENTS = []


class Recorded(aiomisc.Service):
    fail = False

    async def start(self):
        EVENTS.append(("start", self.name, asyncio.get_running_loop() is self.loop))
        if self.fail:
            raise OSError(f"{self.name} could not start")

    async def stop(self, exception=None):
        EVENTS.append(("stop", self.name, asyncio.get_running_loop() is self.loop))


class StaysConnected(aiomisc.Service):
    # aiomisc's protocol for a start() that runs on: it sets start_event when ready.
    async def start(self):
        EVENTS.append(("start", self.name, True))
        self.start_event.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            EVENTS.append(("start cancelled", self.name, True))
            raise

    async def stop(self, exception=None):
        EVENTS.append(("stop", self.name, True))


class Echo(TCPServer):
    async def handle_client(self, reader, writer):
        writer.write(await reader.read(100))
        await writer.drain()
        writer.close()


@pytest.fixture
def services(request, aiomisc_unused_port, localhost):
    failing = getattr(request, "param", None)
    return [
        Recorded(name="db"),
        StaysConnected(name="client"),
        Echo(address=localhost, port=aiomisc_unused_port),
        Recorded(name="web", fail=failing == "web"),
    ]


async def test_real_services_started_in_order(aiomisc_unused_port, localhost):
    assert EVENTS == [("start", "db", True), ("start", "client", True), ("start", "web", True)]
    reader, writer = await asyncio.open_connection(localhost, aiomisc_unused_port)
    writer.write(b"ping")
    assert await reader.read(100) == b"ping"
    writer.close()
    await writer.wait_closed()


def test_real_services_stopped_in_reverse(aiomisc_unused_port, localhost):
    assert EVENTS[3:] == [
        ("stop", "web", True),
        ("stop", "client", True),
        ("start cancelled", "client", True),
        ("stop", "db", True),
    ]
    EVENTS.clear()


@pytest.mark.parametrize("services", ["web"], indirect=True)
async def test_failing_start():
    raise AssertionError("never runs: a service failed to start")


def test_failing_start_stopped_those_started():
    assert EVENTS == [
        ("start", "db", True),
        ("start", "client", True),
        ("start", "web", True),
        ("stop", "client", True),
        ("start cancelled", "client", True),
        ("stop", "db", True),
    ]
"""

POLICY_CONFTEST = """
import asyncio

import pytest

MADE = []


class AsyncioPolicy:
    def new_event_loop(self):
        MADE.append("asyncio")
        return asyncio.new_event_loop()


class UvloopPolicy:
    def new_event_loop(self):
        import uvloop

        MADE.append("uvloop")
        return uvloop.new_event_loop()


# As aiomisc's docs write it.
@pytest.fixture(params=(AsyncioPolicy(), UvloopPolicy()), ids=("asyncio", "uvloop"))
def event_loop_policy(request):
    return request.param
"""

POLICY_TEST = """
import asyncio

from conftest import MADE


async def test_loop(request):
    expected = request.node.callspec.id
    module = type(asyncio.get_running_loop()).__module__
    assert module.startswith("uvloop") == (expected == "uvloop"), module
    assert MADE[-1] == expected


def test_sync_tests_are_parametrized_too_but_make_no_loop(event_loop_policy):
    assert MADE.count("asyncio") == MADE.count("uvloop") == 1
"""

THREAD_POOL_CONFTEST = """
import concurrent.futures

import pytest

SIZES = []


class Pool(concurrent.futures.ThreadPoolExecutor):
    def __init__(self, size):
        SIZES.append(size)
        super().__init__(size, thread_name_prefix="aiomisc-style")


@pytest.fixture(params=(Pool, concurrent.futures.ThreadPoolExecutor), ids=("own", "default"))
def thread_pool_executor(request):
    return request.param


@pytest.fixture
def thread_pool_size():
    return 3
"""

THREAD_POOL_TEST = """
import asyncio
import threading

from conftest import SIZES


async def test_pool(request):
    loop = asyncio.get_running_loop()
    name = await loop.run_in_executor(None, lambda: threading.current_thread().name)
    if request.node.callspec.id == "own":
        assert name.startswith("aiomisc-style"), name
        assert SIZES == [3]
    else:
        assert not name.startswith("aiomisc-style"), name
        assert loop._default_executor._max_workers == 3
"""

SIZE_ONLY_TEST = """
import asyncio
import concurrent.futures
import threading

import pytest


@pytest.fixture
def thread_pool_size():
    return 2


async def test_size_alone_sizes_the_default_pool():
    assert asyncio.get_running_loop()._default_executor._max_workers == 2


class TestClassAlone:
    @pytest.fixture
    def thread_pool_size(self):
        return None

    @pytest.fixture
    def thread_pool_executor(self):
        class Pool(concurrent.futures.ThreadPoolExecutor):
            def __init__(self, *args):
                assert args == (), args  # no size: the class's own default
                super().__init__(thread_name_prefix="class-alone")

        return Pool

    async def test_class_alone_is_called_without_a_size(self):
        loop = asyncio.get_running_loop()
        name = await loop.run_in_executor(None, lambda: threading.current_thread().name)
        assert name.startswith("class-alone"), name
"""

BAD_AIOMISC_FIXTURES = """
import asyncio

import pytest


class TestPolicy:
    @pytest.fixture
    def event_loop_policy(self):
        return "uvloop"

    async def test_bad_policy(self):
        pass


class TestExecutor:
    @pytest.fixture
    def thread_pool_executor(self):
        return 4

    async def test_bad_executor(self):
        pass


class TestSize:
    @pytest.fixture
    def thread_pool_size(self):
        return 0

    async def test_bad_size(self):
        pass


class TestBoth:
    @pytest.fixture
    def event_loop_policy(self):
        return type("Policy", (), {"new_event_loop": staticmethod(asyncio.new_event_loop)})()

    @pytest.fixture
    def aiotest_loop_factory(self):
        return asyncio.new_event_loop

    async def test_two_loop_fixtures(self):
        pass


class TestBothExecutors:
    @pytest.fixture
    def thread_pool_size(self):
        return 2

    @pytest.fixture
    def aiotest_executor_factory(self):
        return None or (lambda: None)

    async def test_two_executor_fixtures(self):
        pass
"""

CLOSURES = """
import pytest

from aiotest.pytest_plugin import OVERRIDABLE_FIXTURES


async def test_only_what_the_suite_defines(request):
    assert [name for name in OVERRIDABLE_FIXTURES if name in request.fixturenames] == []


class TestOverridden:
    @pytest.fixture
    def services(self):
        return []

    async def test_an_override_is_in_the_closure(self, request):
        assert "services" in request.fixturenames
        assert "aiotest_loop_factory" not in request.fixturenames


async def test_asking_for_a_default_gets_it(aiotest_loop_factory, thread_pool_size):
    assert aiotest_loop_factory is None and thread_pool_size is None
"""


@unittest.skipUnless(importlib.util.find_spec("pytest"), "pytest is not installed here")
class AiomiscFixturesTest(unittest.TestCase):
    @unittest.skipUnless(importlib.util.find_spec("aiomisc"), "aiomisc is not installed here")
    def test_real_aiomisc_services(self) -> None:
        run = run_pytest({"test_services.py": AIOMISC_SERVICES}, "-p", "no:randomly")
        self.assertEqual(len(run.outcomes), 4, run.output)
        failing = run.outcomes.pop("test_failing_start[web]")
        self.assertEqual(failing.kinds, ("error",), run.output)
        self.assertIn("OSError: web could not start", failing.text)
        self.assertNotIn("never runs", failing.text)
        for name, outcome in run.outcomes.items():
            self.assertTrue(outcome.passed, f"{name}: {outcome.text}")

    @unittest.skipUnless(HAS_UVLOOP, "uvloop is not installed here")
    def test_parametrized_event_loop_policy(self) -> None:
        run = run_pytest({"conftest.py": POLICY_CONFTEST, "test_policy.py": POLICY_TEST})
        self.assertEqual(
            sorted(run.outcomes),
            [
                "test_loop[asyncio]",
                "test_loop[uvloop]",
                "test_sync_tests_are_parametrized_too_but_make_no_loop[asyncio]",
                "test_sync_tests_are_parametrized_too_but_make_no_loop[uvloop]",
            ],
            run.output,
        )
        self.assertTrue(all(o.passed for o in run.outcomes.values()), run.output)

    def test_parametrized_thread_pool_executor_and_size(self) -> None:
        run = run_pytest({"conftest.py": THREAD_POOL_CONFTEST, "test_pool.py": THREAD_POOL_TEST})
        self.assertEqual(sorted(run.outcomes), ["test_pool[default]", "test_pool[own]"])
        self.assertTrue(all(o.passed for o in run.outcomes.values()), run.output)
        run = run_pytest({"test_size.py": SIZE_ONLY_TEST})
        self.assertEqual(len(run.outcomes), 2, run.output)
        self.assertTrue(all(o.passed for o in run.outcomes.values()), run.output)

    def test_bad_values_name_the_fixture_and_the_fix(self) -> None:
        run = run_pytest({"test_bad.py": BAD_AIOMISC_FIXTURES})
        expected = {
            "test_bad_policy": "the fixture event_loop_policy returned 'uvloop', which has no "
            "new_event_loop()",
            "test_bad_executor": "the fixture thread_pool_executor returned 4, which cannot be "
            "called",
            "test_bad_size": "the fixture thread_pool_size returned 0: return a number of threads",
            "test_two_loop_fixtures": "the fixtures aiotest_loop_factory and event_loop_policy "
            "both choose",
            "test_two_executor_fixtures": "the fixtures aiotest_executor_factory and "
            "thread_pool_size both choose",
        }
        self.assertEqual(sorted(run.outcomes), sorted(expected), run.output)
        for name, text in expected.items():
            outcome = run.outcomes[name]
            self.assertEqual(outcome.kinds, ("error",), f"{name}: {run.output}")
            self.assertIn(text, outcome.text, name)

    def test_closures_hold_only_the_fixtures_a_suite_defines(self) -> None:
        run = run_pytest({"test_closures.py": CLOSURES})
        self.assertEqual(len(run.outcomes), 3, run.output)
        for name, outcome in run.outcomes.items():
            self.assertTrue(outcome.passed, f"{name}: {outcome.text}")


@unittest.skipUnless(importlib.util.find_spec("pytest"), "pytest is not installed here")
class SecondAiohttpPluginTest(unittest.TestCase):
    @unittest.skipUnless(importlib.util.find_spec("pytest_aiohttp"), "needs pytest-aiohttp")
    def test_pytest_aiohttp_alongside_stops_the_run(self) -> None:
        run = run_pytest(
            {"test_x.py": "async def test_x():\n    pass\n"}, plugin=ASYNCIO_PLUGIN_ACTIVE[:2]
        )
        self.assertEqual(run.returncode, 4, run.output)
        self.assertIn("the pytest plugin 'aiohttp' is active too", run.output)
        self.assertIn("-p no:aiohttp", run.output)
        self.assertEqual(run.outcomes, {})

    def test_aiohttps_own_plugin_alongside_stops_the_run(self) -> None:
        # Both define --aiohttp-loop: pytest stops while reading the options.
        run = run_pytest(
            {"test_x.py": "async def test_x():\n    pass\n"},
            plugin=(*ASYNCIO_PLUGIN_ACTIVE, "-p", "aiohttp.pytest_plugin"),
        )
        self.assertNotEqual(run.returncode, 0, run.output)
        self.assertIn("--aiohttp-loop", run.output)
        self.assertEqual(run.outcomes, {})


PYTEST_TIMEOUT_SUITE = """
import asyncio
import time

import pytest


@pytest.mark.timeout(0.5)
async def test_pytest_timeouts_marker_is_its_own():
    time.sleep(3)
"""


@unittest.skipUnless(importlib.util.find_spec("pytest_timeout"), "needs pytest-timeout")
class PytestTimeoutTest(unittest.TestCase):
    def test_timeout_marker_left_to_pytest_timeout(self) -> None:
        # pytest-timeout is loaded through its entry point where it is installed.
        run = run_pytest({"test_t.py": PYTEST_TIMEOUT_SUITE}, "--strict-markers")
        outcome = run.outcomes["test_pytest_timeouts_marker_is_its_own"]
        self.assertEqual(outcome.kinds, ("failure",), run.output)
        self.assertIn("Timeout (>0.5s) from pytest-timeout", outcome.text)


LOOP_SCOPES = """
import asyncio

import aiohttp
import pytest
from aiohttp import web

from aiotest.pytest_plugin import fixture

pytestmark = pytest.mark.aiotest(loop_scope="module", timeout=10)

EVENTS = []


async def hello(request):
    return web.Response(text="shared")


@fixture(scope="module")
async def shared_session():
    # A fresh connection per request: each test's end cancels the tasks started during it,
    # the server's handler of a kept-alive connection included.
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))
    EVENTS.append(("made", asyncio.get_running_loop()))
    yield session
    await session.close()
    EVENTS.append(("closed", asyncio.get_running_loop()))


@fixture(scope="module")
async def shared_server(aiohttp_unused_port):
    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield site._server.sockets[0].getsockname()[1]
    await runner.cleanup()


@pytest.fixture(scope="module")
def aiohttp_unused_port():
    return 0


async def test_first(shared_session, shared_server):
    assert EVENTS[0][1] is asyncio.get_running_loop()
    async with shared_session.get(f"http://127.0.0.1:{shared_server}/") as response:
        assert await response.text() == "shared"


async def test_second_on_the_same_loop(shared_session, shared_server):
    assert EVENTS[0][1] is asyncio.get_running_loop()
    async with shared_session.get(f"http://127.0.0.1:{shared_server}/") as response:
        assert response.status == 200


@pytest.mark.aiotest(timeout=0.2)
async def test_checks_still_apply():
    await asyncio.sleep(5)
"""

LOOP_SCOPE_AFTER = """
def test_module_fixture_closed_on_its_loop():
    from test_loop_scopes import EVENTS

    assert [kind for kind, _ in EVENTS] == ["made", "closed"]
    assert EVENTS[0][1] is EVENTS[1][1]
    assert EVENTS[0][1].is_closed()
"""

MIXED_LOOPS = """
import asyncio

import pytest

from aiotest.pytest_plugin import fixture


@fixture(scope="module")
async def module_queue():
    return asyncio.Queue()


@fixture(scope="module")
async def module_future():
    return asyncio.get_running_loop().create_future()


async def test_function_loop_uses_module_object(module_future):
    await module_future


@pytest.mark.aiotest(loop_scope="galaxy")
async def test_bad_loop_scope():
    pass
"""


@unittest.skipUnless(importlib.util.find_spec("pytest"), "pytest is not installed here")
class LoopScopeTest(unittest.TestCase):
    def test_module_loop_shared_by_fixtures_and_tests(self) -> None:
        run = run_pytest(
            {"test_loop_scopes.py": LOOP_SCOPES, "test_loop_scopes_after.py": LOOP_SCOPE_AFTER},
            "-p",
            "no:randomly",
        )
        self.assertEqual(len(run.outcomes), 4, run.output)
        timeout = run.outcomes.pop("test_checks_still_apply")
        self.assertEqual(timeout.kinds, ("failure",), run.output)
        self.assertIn("timeout of 0.2 s", timeout.text)
        for name, outcome in run.outcomes.items():
            self.assertTrue(outcome.passed, f"{name}: {outcome.text}")

    def test_other_loop_named_and_bad_scope_refused(self) -> None:
        run = run_pytest({"test_mixed.py": MIXED_LOOPS})
        mixed = run.outcomes["test_function_loop_uses_module_object"]
        self.assertEqual(mixed.kinds, ("failure",), run.output)
        self.assertIn("attached to a different loop", mixed.text)
        self.assertIn("these fixtures ran on another", mixed.text)
        self.assertIn("'module_future' (module scope)", mixed.text)
        self.assertIn("test_mixed.py:", mixed.text)
        bad = run.outcomes["test_bad_loop_scope"]
        self.assertEqual(bad.kinds, ("error",), run.output)
        self.assertIn("not 'galaxy'", bad.text)


HANGING_WIDE_FIXTURES = """
import asyncio

import pytest

from aiotest.pytest_plugin import fixture

EVENTS = []


@fixture(scope="module")
async def hangs_in_setup():
    await asyncio.sleep(3600)


@fixture(scope="module")
async def hangs_in_teardown():
    yield "ready"
    EVENTS.append("teardown started")
    await asyncio.sleep(3600)


@fixture(scope="module")
async def quick():
    await asyncio.sleep(0)
    yield "quick"
    await asyncio.sleep(0)
    EVENTS.append("quick closed")


@pytest.mark.aiotest(loop_scope="module")
async def test_setup_hangs(hangs_in_setup):
    raise AssertionError("never runs")


@pytest.mark.aiotest(loop_scope="module")
async def test_teardown_hangs(hangs_in_teardown, quick):
    assert (hangs_in_teardown, quick) == ("ready", "quick")
"""

HANGING_WIDE_FIXTURES_AFTER = """
def test_the_run_went_on():
    from test_hanging import EVENTS

    assert EVENTS == ["quick closed", "teardown started"], EVENTS
"""


@unittest.skipUnless(importlib.util.find_spec("pytest"), "pytest is not installed here")
class WideFixtureTimeoutTest(unittest.TestCase):
    def test_hanging_setup_and_teardown_fail_with_the_pending_tasks(self) -> None:
        files = {
            "test_hanging.py": HANGING_WIDE_FIXTURES,
            "test_hanging_z_after.py": HANGING_WIDE_FIXTURES_AFTER,
        }
        # Without the timeout the run would hang for an hour; the outer limit stops it.
        run = run_pytest(files, "--aiotest-timeout=0.5", "-p", "no:randomly", time_limit=60)
        setup = run.outcomes["test_setup_hangs"]
        self.assertEqual(setup.kinds, ("error",), run.output)
        self.assertIn(
            "the async fixture 'hangs_in_setup' (module scope) did not finish its setup within "
            "the run's timeout of 0.5 s",
            setup.text,
        )
        self.assertIn("hangs_in_setup", setup.text.split("Tasks pending")[1])
        self.assertNotIn("never runs", setup.text)
        # The teardown error is reported on the module's last test (pytest's way).
        teardown = run.outcomes["test_teardown_hangs"]
        self.assertEqual(teardown.kinds, ("error",), run.output)
        self.assertIn(
            "the async fixture 'hangs_in_teardown' (module scope) did not finish its teardown",
            teardown.text,
        )
        self.assertTrue(run.outcomes["test_the_run_went_on"].passed, run.output)

    def test_no_timeout_without_one_for_the_run(self) -> None:
        slow = HANGING_WIDE_FIXTURES.replace("3600", "0.3")
        run = run_pytest({"test_hanging.py": slow}, time_limit=60)
        self.assertEqual(run.outcomes["test_setup_hangs"].kinds, ("failure",), run.output)
        self.assertIn("never runs", run.outcomes["test_setup_hangs"].text)
        self.assertTrue(run.outcomes["test_teardown_hangs"].passed, run.output)

    def test_timeout_from_the_environment(self) -> None:
        run = run_pytest(
            {"test_hanging.py": HANGING_WIDE_FIXTURES},
            env={"AIOTEST_TIMEOUT": "0.5"},
            time_limit=60,
        )
        self.assertIn("did not finish its setup", run.outcomes["test_setup_hangs"].text)


EVENT_LOOP_CONFTEST = """
import pytest


@pytest.fixture
def loop(event_loop):
    return event_loop
"""


@unittest.skipUnless(importlib.util.find_spec("pytest"), "pytest is not installed here")
class EventLoopConftestTest(unittest.TestCase):
    def test_loop_returning_a_missing_event_loop_stops_the_run(self) -> None:
        run = run_pytest(
            {
                "conftest.py": EVENT_LOOP_CONFTEST,
                "test_x.py": "async def test_x(loop):\n    pass\n",
            }
        )
        self.assertEqual(run.returncode, 4, run.output)
        self.assertIn("takes 'event_loop'", run.output)
        self.assertIn("delete that 'loop' fixture", run.output)
        self.assertEqual(run.outcomes, {})

    def test_also_for_a_test_that_takes_aiohttp_client_alone(self) -> None:
        run = run_pytest(
            {
                "conftest.py": EVENT_LOOP_CONFTEST,
                "test_x.py": "async def test_x(aiohttp_client):\n    pass\n",
            }
        )
        self.assertEqual(run.returncode, 4, run.output)
        self.assertIn(
            "the 'loop' fixture that test_x.py::test_x gets takes 'event_loop'", run.output
        )
        self.assertEqual(run.outcomes, {})

    def test_loop_returning_an_event_loop_fixture_that_exists_is_used(self) -> None:
        conftest = EVENT_LOOP_CONFTEST + (
            "\n\nimport asyncio\nLOOPS = []\n\n"
            "@pytest.fixture\ndef event_loop():\n"
            "    loop = asyncio.new_event_loop()\n    LOOPS.append(loop)\n"
            "    yield loop\n    loop.close()\n"
        )
        test = (
            "import asyncio\nfrom conftest import LOOPS\n\n"
            "async def test_x(loop):\n    assert asyncio.get_running_loop() is LOOPS[-1]\n"
        )
        run = run_pytest({"conftest.py": conftest, "test_x.py": test})
        self.assertTrue(run.outcomes["test_x"].passed, run.output)


VIRTUAL_TIME = """
import asyncio
import time

import pytest


# asyncio's loop, whatever AIOTEST_LOOP says: virtual time refuses uvloop.
@pytest.mark.aiotest(virtual_time=True, loop_factory=asyncio.new_event_loop)
async def test_an_hour_passes_at_once():
    started = time.monotonic()
    before = asyncio.get_running_loop().time()
    await asyncio.sleep(3600)
    assert asyncio.get_running_loop().time() - before >= 3600
    assert time.monotonic() - started < 1


@pytest.mark.aiotest(virtual_time=True, loop_factory=asyncio.new_event_loop)
async def test_waits_forever():
    await asyncio.get_running_loop().create_future()  # nobody resolves it
"""


@unittest.skipUnless(importlib.util.find_spec("pytest"), "pytest is not installed here")
class VirtualTimeMarkerTest(unittest.TestCase):
    def test_the_marker_runs_the_test_on_virtual_time_and_reports_a_stuck_loop(self) -> None:
        run = run_pytest({"test_virtual.py": VIRTUAL_TIME})
        check_outcomes(
            self,
            run,
            {
                "test_an_hour_passes_at_once": ((), ()),
                "test_waits_forever": (
                    ("failure",),
                    (
                        "the test waits on something that can never happen",
                        "create_future()  # nobody resolves it",
                    ),
                ),
            },
        )

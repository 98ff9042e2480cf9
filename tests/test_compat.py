"""Each private or version-specific touch point of aiotest/_compat.py, checked on its own.

A failure here names the API that changed in Python, asyncio, aiohttp or pytest.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import inspect
import selectors
import signal
import subprocess
import sys
import threading
import traceback
import unittest
import warnings
from typing import Any
from unittest import mock

import aiohttp
import aiohttp.test_utils
from aiohttp import web

from aiotest import _compat


def server_connection_tasks(loop: asyncio.AbstractEventLoop) -> set[asyncio.Task[Any]]:
    """The loop's tasks for which _compat.is_server_connection_task is true."""
    return {task for task in asyncio.all_tasks(loop) if _compat.is_server_connection_task(task)}


class CompatModuleTest(unittest.TestCase):
    def test_module_exports_only_what_it_defines(self) -> None:
        for name in _compat.__all__:
            self.assertTrue(hasattr(_compat, name), name)


# legacy: the current loop of a thread, read and put back without making one.

#: Prints what asyncio.get_event_loop() does now, in a subprocess: make a loop, or raise.
_GET_EVENT_LOOP_OUTCOME = """
try:
    _loop = asyncio.get_event_loop()
except RuntimeError:
    print("raises")
else:
    print("makes a loop")
    _loop.close()
"""


def _in_fresh_interpreter(code: str) -> list[str]:
    """Run ``code`` after ``import asyncio, warnings`` in a new Python; return its lines."""
    prelude = (
        "import asyncio, warnings\n"
        "from aiotest import _compat\n"
        # get_event_loop() making a loop warns on 3.12 and 3.13; only its outcome matters.
        "warnings.filterwarnings('ignore', 'There is no current event loop')\n"
    )
    completed = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", prelude + code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if completed.returncode != 0:
        raise AssertionError(completed.stderr)
    return completed.stdout.splitlines()


class ThreadEventLoopTest(unittest.TestCase):
    """thread_event_loop, event_loop_never_set, mark_event_loop_never_set."""

    def setUp(self) -> None:
        # A test must not leave this thread's loop set for the next one.
        self.addCleanup(asyncio.set_event_loop, _compat.thread_event_loop())
        warnings.simplefilter("error", DeprecationWarning)
        self.addCleanup(warnings.resetwarnings)

    def test_reads_the_loop_set_current_and_none(self) -> None:
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        asyncio.set_event_loop(loop)
        self.assertIs(_compat.thread_event_loop(), loop)
        self.assertFalse(_compat.event_loop_never_set())
        asyncio.set_event_loop(None)
        self.assertIsNone(_compat.thread_event_loop())
        self.assertFalse(_compat.event_loop_never_set())

    def test_reads_the_loop_of_this_thread_only(self) -> None:
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        asyncio.set_event_loop(loop)
        seen: list[object] = []
        thread = threading.Thread(target=lambda: seen.append(_compat.thread_event_loop()))
        thread.start()
        thread.join()
        self.assertEqual(seen, [None])

    def test_never_makes_a_loop_in_a_fresh_interpreter(self) -> None:
        untouched = _in_fresh_interpreter(_GET_EVENT_LOOP_OUTCOME)
        lines = _in_fresh_interpreter(
            "print(_compat.thread_event_loop())\n"
            "print(_compat.event_loop_never_set())\n" + _GET_EVENT_LOOP_OUTCOME
        )
        self.assertEqual(lines[0], "None")
        # "Never set" is exactly the state in which get_event_loop() makes a loop.
        self.assertEqual(lines[1], str(untouched == ["makes a loop"]))
        self.assertEqual(lines[2:], untouched)

    def test_marking_never_set_brings_back_what_a_fresh_interpreter_does(self) -> None:
        untouched = _in_fresh_interpreter(_GET_EVENT_LOOP_OUTCOME)
        set_and_unset = (
            "asyncio.set_event_loop(asyncio.new_event_loop())\n"
            "asyncio.get_event_loop().close()\n"
            "asyncio.set_event_loop(None)\n"
        )
        self.assertEqual(_in_fresh_interpreter(set_and_unset + _GET_EVENT_LOOP_OUTCOME), ["raises"])
        marked = _in_fresh_interpreter(
            set_and_unset
            + "_compat.mark_event_loop_never_set()\n"
            + "print(_compat.event_loop_never_set())\n"
            + _GET_EVENT_LOOP_OUTCOME
        )
        self.assertEqual(marked, [str(untouched == ["makes a loop"]), *untouched])

    def test_marking_leaves_a_current_loop_alone(self) -> None:
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        asyncio.set_event_loop(loop)
        _compat.mark_event_loop_never_set()
        self.assertIs(_compat.thread_event_loop(), loop)
        self.assertFalse(_compat.event_loop_never_set())


# The engine's touch points: unittest's hooks and frame marker, asyncio and aiohttp details.


class UnittestHooksTest(unittest.TestCase):
    def test_testcase_run_calls_its_parts_through_the_four_hooks(self) -> None:
        calls: list[str] = []

        class Recording(unittest.TestCase):
            def test_it(self) -> None:
                self.addCleanup(lambda: None)

        for name in _compat.TESTCASE_HOOKS:
            original = getattr(unittest.TestCase, name)

            def hook(
                self: unittest.TestCase, *args: Any, _name: str = name, _o: Any = original
            ) -> Any:
                calls.append(_name)
                return _o(self, *args)

            setattr(Recording, name, hook)
        result = unittest.TestResult()
        Recording("test_it").run(result)
        self.assertTrue(result.wasSuccessful(), result.errors)
        self.assertEqual(calls, ["_callSetUp", "_callTestMethod", "_callTearDown", "_callCleanup"])

    def test_frames_of_a_marked_module_are_left_out_of_reports(self) -> None:
        marked: dict[str, Any] = {_compat.UNITTEST_FRAME_MARKER: True}
        exec("def call(f):\n    return f()\n", marked)

        class Failing(unittest.TestCase):
            def test_it(self) -> None:
                marked["call"](lambda: self.fail("the failing line"))

        result = unittest.TestResult()
        Failing("test_it").run(result)
        [(_, report)] = result.failures
        self.assertIn("the failing line", report)
        self.assertNotIn("in call", report)


CONTEXT_VAR: contextvars.ContextVar[str] = contextvars.ContextVar("CONTEXT_VAR", default="unset")


class AsyncioTouchPointsTest(unittest.TestCase):
    def test_a_task_in_a_context_writes_its_variables(self) -> None:
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        context = contextvars.copy_context()

        async def set_it() -> None:
            CONTEXT_VAR.set("set by the task")

        loop.run_until_complete(_compat.create_task_in_context(loop, set_it(), context))
        self.assertEqual(context[CONTEXT_VAR], "set by the task")
        self.assertEqual(CONTEXT_VAR.get(), "unset")

    def test_uncancel_undoes_one_cancel_request(self) -> None:
        async def main() -> int:
            task = asyncio.current_task()
            assert task is not None
            task.cancel()
            try:
                await asyncio.sleep(0)
            except asyncio.CancelledError:
                # Handled here, as aiotest handles the cancellations it makes itself.
                _compat.uncancel(task)
            if sys.version_info >= (3, 11):
                return task.cancelling()
            return 0

        self.assertEqual(asyncio.run(main()), 0)

    def test_loop_needs_shutdown_reads_asyncios_own_state(self) -> None:
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        self.assertEqual(_compat.loop_needs_shutdown(loop), (False, False))

        async def use_both() -> None:
            async def agen() -> Any:
                yield 1

            generator = agen()
            await generator.__anext__()
            self.generator = generator
            await loop.run_in_executor(None, lambda: None)

        loop.run_until_complete(use_both())
        self.assertEqual(_compat.loop_needs_shutdown(loop), (True, True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())

    def test_frame_of_thread_shows_where_another_thread_is(self) -> None:
        inside = threading.Event()
        release = threading.Event()

        def waits_here() -> None:
            inside.set()
            release.wait(10)

        thread = threading.Thread(target=waits_here)
        thread.start()
        try:
            inside.wait(10)
            frame = _compat.frame_of_thread(thread)
            names = []
            while frame is not None:
                names.append(frame.f_code.co_name)
                frame = frame.f_back
            self.assertIn("waits_here", names)
        finally:
            release.set()
            thread.join()
        self.assertIsNone(_compat.frame_of_thread(threading.Thread(target=print)))

    def test_the_unawaited_coroutine_hook_hears_of_dropped_coroutines(self) -> None:
        heard: list[str] = []
        undo = _compat.replace_unawaited_coroutine_hook(
            lambda coro: heard.append(coro.__qualname__)
        )
        try:

            async def never_awaited() -> None:
                pass

            never_awaited()  # type: ignore[unused-coroutine]
            gc.collect()
        finally:
            undo()
        self.assertEqual(heard, [never_awaited.__qualname__])


class SigintHandlerTest(unittest.TestCase):
    """sigint_handler/set_sigint_handler: signal's C module, without Handlers conversion."""

    def test_reads_and_installs_what_signal_does(self) -> None:
        before = signal.getsignal(signal.SIGINT)
        self.assertIs(_compat.sigint_handler(), before)

        def handler(signum: int, frame: Any) -> None:
            pass

        try:
            _compat.set_sigint_handler(handler)
            self.assertIs(signal.getsignal(signal.SIGINT), handler)
            self.assertIs(_compat.sigint_handler(), handler)
            _compat.set_sigint_handler(signal.default_int_handler)
            self.assertIs(signal.getsignal(signal.SIGINT), signal.default_int_handler)
        finally:
            signal.signal(signal.SIGINT, before)

    def test_default_handler_is_returned_as_is(self) -> None:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            # The C module returns the plain int; the public wrapper a Handlers member.
            self.assertEqual(_compat.sigint_handler(), int(signal.SIG_IGN))
            self.assertIsNot(type(_compat.sigint_handler()), signal.Handlers)
        finally:
            signal.signal(signal.SIGINT, previous)


class AiohttpTouchPointsTest(unittest.IsolatedAsyncioTestCase):
    async def test_pooled_connections_and_their_protocol_class(self) -> None:
        app = web.Application()

        async def hello(request: web.Request) -> web.Response:
            return web.Response(text="hi")

        app.router.add_get("/", hello)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.addAsyncCleanup(runner.cleanup)
        port = runner.addresses[0][1]
        async with aiohttp.ClientSession() as session:
            self.assertEqual(_compat.pooled_client_connections(session), [])
            async with session.get(f"http://127.0.0.1:{port}/") as response:
                await response.read()
            pooled = _compat.pooled_client_connections(session)
            self.assertEqual(len(pooled), 1)
            self.assertIsInstance(pooled[0], _compat.client_connection_protocol())
            # The server runs that keep-alive connection in a task of its own.
            loop = asyncio.get_running_loop()
            self.assertEqual(len(server_connection_tasks(loop)), 1)
            current = asyncio.current_task()
            assert current is not None
            self.assertFalse(_compat.is_server_connection_task(current))
            pooled[0].close()
            for _ in range(100):
                if not server_connection_tasks(loop):
                    break
                await asyncio.sleep(0.01)
            self.assertEqual(server_connection_tasks(loop), set())


# clock: the two behaviours of asyncio's selector loop that virtual time rests on.
class SelectorLoopSchedulingTest(unittest.TestCase):
    def test_select_gets_the_delay_to_the_next_timer_measured_with_self_time(self) -> None:
        timeouts: list[float | None] = []

        class Recording(selectors.DefaultSelector):
            def select(self, timeout: float | None = None) -> Any:
                timeouts.append(timeout)
                if timeout != 0:
                    loop.stop()  # record what the loop would block for, then end the round
                return super().select(0)

        class Frozen(_compat.selector_loop_base()):  # type: ignore[misc]
            def time(self) -> float:
                return 1000.0

        loop = Frozen(Recording())
        try:
            timer = loop.call_later(5, lambda: None)
            loop.run_forever()
            self.assertEqual(timeouts, [5.0])  # the delay to the timer, on the loop's clock
            timer.cancel()
            timeouts.clear()
            loop.run_forever()
            self.assertEqual(timeouts, [None])  # no timer: block until I/O
            loop.call_soon(lambda: None)
            timeouts.clear()
            loop.run_forever()
            self.assertEqual(timeouts, [0, None])  # a ready callback: poll only
        finally:
            loop.close()


# clock: end


# fakes: the two aiohttp touch points of fake hosts, checked on the installed aiohttp
# (CI and the docs run them on the oldest supported, 3.10.11, and the newest).
class ConnectorConnectTouchPointTest(unittest.IsolatedAsyncioTestCase):
    async def test_hook_sees_every_request_and_undo_restores(self) -> None:
        import aiohttp
        from aiohttp import web

        from aiotest import TestServer

        app = web.Application()

        async def real(request: web.Request) -> web.Response:
            return web.Response(text="real")

        app.router.add_get("/", real)
        seen: list[tuple[str, str]] = []

        async def hook(connector: Any, req: Any, traces: Any, timeout: Any, original: Any) -> Any:
            seen.append((req.method, str(req.url)))
            return await original(connector, req, traces, timeout)

        before = aiohttp.BaseConnector.connect
        async with TestServer(app) as server, aiohttp.ClientSession() as session:
            url = server.make_url("/")
            undo = _compat.wrap_connector_connect(hook)
            try:
                async with session.get(url) as response:
                    self.assertEqual(await response.text(), "real")
            finally:
                undo()
            await session.get(url)
        self.assertIs(aiohttp.BaseConnector.connect, before)
        self.assertEqual(seen, [("GET", str(url))])


class SessionCallsTouchPointTest(unittest.IsolatedAsyncioTestCase):
    async def test_recorder_gets_arguments_as_passed_with_method_defaults(self) -> None:
        import aiohttp

        calls: list[tuple[str, Any, dict[str, Any]]] = []
        before = {
            name: getattr(aiohttp.ClientSession, name) for name in _compat.SESSION_CALL_METHODS
        }

        class Stop(Exception):
            pass

        def recorder(session: Any, method: str, url: Any, kwargs: dict[str, Any]) -> None:
            calls.append((method, url, kwargs))
            raise Stop  # nothing is sent: only the recording is under test

        undo = _compat.wrap_session_calls(recorder)
        try:
            async with aiohttp.ClientSession() as session:
                with self.assertRaises(Stop):
                    session.get("http://a.test/x", json=[1])
                with self.assertRaises(Stop):
                    session.post("http://a.test/y")
                with self.assertRaises(Stop):
                    session.head("http://a.test/z")
                with self.assertRaises(Stop):
                    session.request("patch", "http://a.test/w", data=b"d")
        finally:
            undo()
        self.assertEqual(
            calls,
            [
                ("GET", "http://a.test/x", {"allow_redirects": True, "json": [1]}),
                ("POST", "http://a.test/y", {"data": None}),
                ("HEAD", "http://a.test/z", {"allow_redirects": False}),
                ("PATCH", "http://a.test/w", {"data": b"d"}),
            ],
        )
        for name, method in before.items():
            self.assertIs(getattr(aiohttp.ClientSession, name), method)

    async def test_module_level_request_is_recorded_without_its_session_options(self) -> None:
        import aiohttp
        import aiohttp.client

        calls: list[tuple[Any, str, Any, dict[str, Any]]] = []
        before = (aiohttp.request, aiohttp.client.request)

        class Stop(Exception):
            pass

        def recorder(session: Any, method: str, url: Any, kwargs: dict[str, Any]) -> None:
            calls.append((session, method, url, kwargs))
            raise Stop

        undo = _compat.wrap_session_calls(recorder)
        try:
            # Fails when aiohttp.request() stops being the module attribute code calls.
            self.assertIsNot(aiohttp.request, before[0])
            self.assertIs(aiohttp.client.request, aiohttp.request)
            with self.assertRaises(Stop):
                aiohttp.request("post", "http://a.test/x", json=[1], timeout=None)
            with self.assertRaises(Stop):
                aiohttp.request("GET", "http://a.test/y", allow_redirects=False, cookies={})
            # A positional argument is aiohttp's own TypeError, and nothing is recorded.
            with self.assertRaises(TypeError):
                aiohttp.request("GET", "http://a.test/z", {"q": "1"})  # type: ignore[call-arg,arg-type]
        finally:
            undo()
        self.assertEqual(
            calls,
            [
                (None, "POST", "http://a.test/x", {"json": [1], "allow_redirects": True}),
                (None, "GET", "http://a.test/y", {"allow_redirects": False}),
            ],
        )
        self.assertEqual((aiohttp.request, aiohttp.client.request), before)


# aiohttp compat: each touch point of the aiohttp section.
class AiohttpSentinelTest(unittest.IsolatedAsyncioTestCase):
    async def test_is_what_aiohttps_make_mocked_coro_gives_by_default(self) -> None:
        # Fails when aiohttp renames its marker or stops returning it.
        self.assertIs(await aiohttp.test_utils.make_mocked_coro()(), _compat.AIOHTTP_SENTINEL)

    async def test_is_aiohttps_default_for_both_arguments(self) -> None:
        defaults = inspect.signature(aiohttp.test_utils.make_mocked_coro).parameters
        self.assertIs(defaults["return_value"].default, _compat.AIOHTTP_SENTINEL)
        self.assertIs(defaults["raise_exception"].default, _compat.AIOHTTP_SENTINEL)


class DisableConnectionRetryTest(unittest.IsolatedAsyncioTestCase):
    async def test_flag_is_there_exactly_when_it_is_said_to_be(self) -> None:
        async with aiohttp.ClientSession() as session:
            has_flag = getattr(session, "_retry_connection", None) is True
            self.assertIs(has_flag, _compat.CAN_DISABLE_CONNECTION_RETRY)
            _compat.disable_connection_retry(session)
            self.assertEqual(getattr(session, "_retry_connection", False), False)

    async def test_a_dropped_connection_is_retried_only_without_it(self) -> None:
        # Fails when aiohttp renames the flag: disabling would silently stop working.
        disabled_calls = 1 if _compat.CAN_DISABLE_CONNECTION_RETRY else 2
        for disable, expected_calls in ((False, 2), (True, disabled_calls)):
            with self.subTest(disable=disable):
                self.assertEqual(await self._calls_for_one_dropped_request(disable), expected_calls)

    async def _calls_for_one_dropped_request(self, disable: bool) -> int:
        calls = 0

        async def handler(request: web.Request) -> web.Response:
            nonlocal calls
            calls += 1
            assert request.protocol is not None
            request.protocol.force_close()
            return web.Response()

        app = web.Application()
        app.router.add_get("/", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            port = runner.addresses[0][1]
            async with aiohttp.ClientSession() as session:
                if disable:
                    _compat.disable_connection_retry(session)
                with self.assertRaises(aiohttp.ServerDisconnectedError):
                    async with session.get(f"http://127.0.0.1:{port}/"):
                        pass
        finally:
            await runner.cleanup()
        return calls


class SetMatchInfoTest(unittest.TestCase):
    def test_request_reports_the_match_info_set(self) -> None:
        request = aiohttp.test_utils.make_mocked_request("GET", "/")
        info = web.UrlMappingMatchInfo({"name": "value"}, mock.Mock())
        _compat.set_match_info(request, info)
        self.assertIs(request.match_info, info)


class AddNoteTest(unittest.TestCase):
    def test_note_is_shown_where_python_shows_notes(self) -> None:
        error = TypeError("message")
        _compat.add_note(error, "help")
        self.assertEqual(str(error), "message")
        shown = "".join(traceback.format_exception(type(error), error, None))
        if sys.version_info >= (3, 11):
            self.assertEqual(error.__notes__, ["help"])
            self.assertIn("help", shown)
        else:
            self.assertFalse(hasattr(error, "__notes__"))
            self.assertNotIn("help", shown)


class RequestInFramesTest(unittest.IsolatedAsyncioTestCase):
    async def test_a_handlers_callee_finds_the_request_being_handled(self) -> None:
        found: list[object] = []

        def deep_in_the_handler() -> None:
            found.append(_compat.request_in_frames(sys._getframe(), 40))

        async def handler(request: web.Request) -> web.Response:
            deep_in_the_handler()
            found.append(request)
            return web.Response(text="ok")

        app = web.Application()
        app.router.add_get("/where", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        self.addAsyncCleanup(runner.cleanup)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/where") as response,
        ):
            self.assertEqual(response.status, 200)
        self.assertEqual(len(found), 2)
        self.assertIs(found[0], found[1])
        self.assertIsNone(_compat.request_in_frames(sys._getframe(), 40))


# pytest plugin: what aiotest.pytest_plugin reads from pytest's items and fixture definitions.

_PYTEST_CONFTEST = """
import pytest

from aiotest import _compat


@pytest.fixture
def overridden():
    return "plugin's"


@pytest.fixture
def swapped():
    return "original"


@pytest.fixture
def unused():
    return "conftest's unused"


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    original = _compat.fixture_function_of(fixturedef)
    if fixturedef.argname != "swapped":
        yield
        return
    _compat.set_fixture_function(fixturedef, lambda: "replaced " + original())
    try:
        yield
    finally:
        _compat.set_fixture_function(fixturedef, original)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    arguments = _compat.call_arguments_of(pyfuncitem)
    assert sorted(arguments) == ["depends", "overridden", "swapped"], arguments
    functions = _compat.resolved_fixture_functions(pyfuncitem)
    assert functions["overridden"].__module__ == "test_compat_pytest", functions
    assert functions["overridden"]() == "module's"
    assert _compat.resolved_fixture_function(pyfuncitem, "overridden") is functions["overridden"]
    assert _compat.resolved_fixture_function(pyfuncitem, "not_in_closure") is None
    # Not in this test's closure, but defined for it: found through the fixture manager.
    unused = _compat.visible_fixture_function(pyfuncitem.parent, "unused")
    assert unused is not None and unused() == "module's unused", unused
    assert _compat.visible_fixture_function(pyfuncitem.parent, "nowhere") is None
    plugins = _compat.visible_fixture_function(pyfuncitem.session, "unused")
    assert plugins is not None and plugins() == "conftest's unused", plugins
    func, argnames, parametrized = _compat.visible_fixture(pyfuncitem.parent, "depends")
    assert (argnames, parametrized) == (("swapped",), False), (argnames, parametrized)
    assert _compat.visible_fixture(pyfuncitem.parent, "with_params")[2] is True
    assert _compat.visible_fixture(pyfuncitem.parent, "nowhere") is None
"""

_PYTEST_MODULE = """
import pytest


@pytest.fixture
def overridden():
    return "module's"


@pytest.fixture
def depends(swapped):
    return swapped


@pytest.fixture
def unused():
    return "module's unused"


@pytest.fixture(params=[1])
def with_params(request):
    return request.param


def test_touch_points(overridden, swapped, depends):
    assert overridden == "module's"
    assert swapped == "replaced original"
"""


class PytestTouchPointsTest(unittest.TestCase):
    def test_fixture_resolution_call_arguments_and_fixture_function(self) -> None:
        try:
            import pytest  # noqa: F401
        except ImportError:  # pragma: no cover - pytest is a test dependency
            self.skipTest("pytest is not installed")
        from tests._pytest_run import run_pytest

        run = run_pytest(
            {"conftest.py": _PYTEST_CONFTEST, "test_compat_pytest.py": _PYTEST_MODULE},
            plugin=("-p", "no:asyncio", "-p", "no:aiohttp"),
        )
        self.assertEqual(list(run.outcomes), ["test_touch_points"], run.output)
        self.assertTrue(run.outcomes["test_touch_points"].passed, run.output)

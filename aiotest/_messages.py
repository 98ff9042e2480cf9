"""User-facing messages, kept in one place so that tests and docs can refer to them."""

from __future__ import annotations

SERVER_NOT_STARTED = "the test server is not started; call start_server() first"
# aiohttp compat: messages that suites written for aiohttp.test_utils compare as they are.
# Each starts with aiohttp's text for the same mistake.
USE_ASYNC_WITH = (
    "Use async with instead: the test server and client start and close asynchronously, "
    "so 'with' cannot run them"
)
# TestClient's TypeError is aiohttp's text exactly (aiohttp's own tests compare it with ==);
# the help follows as a note, which tracebacks show under the message.
CLIENT_NEEDS_SERVER = "server must be TestServer instance, found type: {server_type!r}"
CLIENT_NEEDS_SERVER_HELP = (
    "TestClient needs a test server (aiotest.TestServer, aiotest.RawTestServer or another "
    "aiotest.BaseTestServer), got {type_name}: wrap an aiohttp.web.Application in TestServer(app)"
)
CLIENT_CLOSED = "the test client is closed; it cannot send more requests"
MAKE_URL_NEEDS_PATH = (
    "make_url() takes a path relative to the test server, not the absolute URL {url}"
)
# Begins with aiohttp's own text, which suites written for aiohttp may assert.
NO_APPLICATION = (
    "Did you forget to define get_application()? "
    "{class_name} defines no application: override 'async def get_application(self)' "
    "(or the older 'def get_app(self)') to return the aiohttp.web.Application to test"
)
# legacy: begins with aiohttp's own warning, which suites written for aiohttp assert.
UNITTEST_RUN_LOOP_DEPRECATED = (
    "Decorator `@unittest_run_loop` is no longer needed in aiohttp 3.8+: test methods of "
    "AioHTTPTestCase can be 'async def' directly; remove the decorator"
)

# Legacy decorators: run_until_complete, run_forever, current_loop (aiotest/_legacy.py).
LEGACY_NOT_CALLABLE = (
    "@aiotest.{decorator} decorates a test function, not {type_name} ({value!r}); "
    "options are keywords: @aiotest.{decorator}({options})"
)
LEGACY_DECORATES_A_CLASS = (
    "@aiotest.{decorator} decorates test methods, not the class {class_name}: unittest would "
    "find no tests in it; put @aiotest.{decorator} on each test method instead"
)
UNITTEST_RUN_LOOP_ON_A_CLASS = (
    "@unittest_run_loop decorates test methods, not the class {class_name}; in an "
    "AioHTTPTestCase, 'async def' test methods need no decorator at all"
)
UNITTEST_RUN_LOOP_NOT_CALLABLE = (
    "@unittest_run_loop decorates a test method, not {type_name} ({value!r}); in an "
    "AioHTTPTestCase, 'async def' test methods need no decorator at all"
)
LEGACY_SECONDS_NOT_A_NUMBER = "{name}= takes a number of seconds, not {type_name} ({value!r})"
LEGACY_SECONDS_OUT_OF_RANGE = "{name}= must be a finite number of seconds, 0 or more, not {value!r}"
LEGACY_LOOP_NOT_CALLABLE = (
    "loop= takes a callable that returns a context manager yielding the event loop "
    "(such as aiotest.current_loop), not {type_name} ({value!r})"
)
LEGACY_LOOP_IS_GENERATOR = (
    "loop={name} is a generator function: decorate it with @contextlib.contextmanager "
    "so that calling it returns a context manager yielding the event loop"
)
LEGACY_LOOP_NOT_CONTEXT_MANAGER = (
    "loop={name} returned {type_name}, not a context manager: loop= takes a callable that "
    "returns a context manager yielding the event loop (such as aiotest.current_loop)"
)
LEGACY_LOOP_NOT_A_LOOP = (
    "the context manager returned by loop={name} yielded {type_name}, not an asyncio event loop"
)
LEGACY_LOOP_CLOSED = "the event loop from loop={name} is closed; the test cannot run on it"
LEGACY_LOOP_RUNNING = (
    "the event loop from loop={name} is already running; a decorated test runs the loop "
    "itself, so it cannot be called from inside a coroutine"
)
LEGACY_LOOP_IN_ASYNC_CASE = (
    "loop={name} cannot be used in {class_name}: an IsolatedAsyncioTestCase runs the test "
    "on its own event loop; remove loop= (or pass loop=aiotest.current_loop)"
)
NO_CURRENT_LOOP = (
    "loop=aiotest.current_loop found no current event loop: make one with "
    "asyncio.new_event_loop() and asyncio.set_event_loop() (for example in setUpClass)"
)
LOOP_STOPPED_EARLY = (
    "the event loop stopped before the test completed (did the test call loop.stop()?)"
)
LOOP_ERROR_REPORTED = "the event loop's exception handler was called while the test ran: {message}"

# Test hygiene: timeouts, loop exceptions, get_event_loop, leaks (aiotest/_hygiene.py).
TIMEOUT_EXPIRED = (
    "the test did not finish within its timeout of {seconds:g} s (its setup, the test "
    "and its teardown share it); {phase} was cancelled.\n"
    "Tasks pending when the timeout expired:\n{tasks}"
)
TIMEOUT_EXPIRED_AGAIN = (
    "after the test's timeout expired, {phase} did not finish within a further "
    "{seconds:g} s; it was cancelled.\nTasks pending then:\n{tasks}"
)
PENDING_TASK = "- task {task} running {coro}:\n"
TEST_TASK = "- task {task} running the test's {phase}:\n"
TASK_WAITING_ON = "\n    waiting on {awaitable}"
NO_PENDING_TASKS = "(none)"
GET_EVENT_LOOP_FORBIDDEN = (
    "asyncio.get_event_loop() is forbidden in this test (forbid_get_event_loop): use "
    "asyncio.get_running_loop() inside coroutines, or pass the loop explicitly"
)
GET_EVENT_LOOP_CALLED = (
    "asyncio.get_event_loop() was called {count} time(s) under forbid_get_event_loop, and "
    "the error it raised was caught; use asyncio.get_running_loop() instead. Called from:\n"
)
GET_EVENT_LOOP_IN_HANDLER = (
    "the request handler serving {request} called asyncio.get_event_loop() under "
    "forbid_get_event_loop; the error it raised ended the handler, so aiohttp dropped the "
    "connection (the client saw ServerDisconnectedError). Use asyncio.get_running_loop() in "
    "the handler. Called from:\n"
)
GET_EVENT_LOOP_DROPPED_CONNECTION = (
    "the server dropped the connection because a request handler called "
    "asyncio.get_event_loop() under forbid_get_event_loop (see the report of that call)"
)
LOOP_EXCEPTIONS_CAUGHT = (
    "the event loop's exception handler received {count} exception(s) during the test "
    "(catch_loop_exceptions):\n"
)
LEAKS_FOUND = "the test left {count} thing(s) open or unfinished (check_leaks):\n"
WHERE_CREATED = "\n  created at (most recent call last):\n"
WHERE_DROPPED = "\n  dropped without being awaited at (most recent call last):\n"
WHERE_DEFINED = (
    "\n  (dropped by the garbage collector; the coroutine is defined at {filename}:{line})"
)
WHERE_UNKNOWN = "\n  (where it was created is unknown)"
LEAK_UNFINISHED_TASK = "- task {task} ({coro}) is still pending"
LEAK_NEVER_AWAITED = "- coroutine {coro} was never awaited"
LEAK_UNCLOSED_SESSION = "- aiohttp.ClientSession was not closed"
LEAK_UNCLOSED_RESPONSE = "- aiohttp.ClientResponse of {method} {url} was not closed or read"
LEAK_UNCLOSED_TRANSPORT = "- transport {transport} was not closed"
LEAK_UNCLOSED_SERVER = "- server (loop.create_server) was not closed"
LEAK_RESOURCE_WARNING = "- ResourceWarning: {message}"
SERVER_EXCEPTIONS_RAISED = (
    "request handlers raised {count} unhandled exception(s) during the test "
    "(raise_server_exceptions):\n"
)
SERVER_EXCEPTIONS_NOTE = "request handlers raised {count} unhandled exception(s) during the test:\n"
LEGACY_LOOP_IS_CONTEXT_MANAGER = (
    "loop= takes a callable that returns a context manager, not the context manager "
    "{type_name} itself: pass the factory uncalled, as in loop=aiotest.current_loop"
)
# settings: the target port of TCPProxy (aiotest/_proxy.py).
PROXY_PORT_NOT_AN_INT = (
    "TCPProxy's target port is a port number (an int from 1 to 65535), not {type_name} ({value!r})"
)
PROXY_PORT_OUT_OF_RANGE = "TCPProxy's target port must be from 1 to 65535, not {value!r}"
PROXY_NOT_STARTED = "the TCPProxy is not started; call 'await proxy.start()' or use 'async with'"
PROXY_DELAY_NEGATIVE = "a TCPProxy delay is a number of seconds, 0 or more, not {value!r}"
PROXY_PROCESSOR_FAILED = (
    "the TCPProxy's {direction!r} content processor raised; the connection was reset"
)
PROXY_PROCESSOR_NOT_BYTES = (
    "a TCPProxy content processor must return bytes, but the {direction!r} one returned {type_name}"
)
TLS_EXTRA_MISSING = (
    "HTTPS test servers need trustme to issue their certificates: "
    "pip install 'aiotest-unittest[tls]'"
)

# The engine: timeouts that end the test, abandoned tasks, class scope (aiotest/_session.py).
TIMEOUT_LOOP_BLOCKED = (
    "\nThe loop was blocked when the timeout expired: the test's thread was running\n"
    "(most recent call last):\n{stack}"
)
TIMEOUT_ABANDONED = (
    "\n{phase} did not stop within {grace:g} s of being cancelled (it swallows "
    "CancelledError); aiotest abandoned it and went on."
)
TASKS_ABANDONED = (
    "the test left {count} task(s) that ignored cancellation for {grace:g} s when it "
    "ended; aiotest abandoned them (a task must let CancelledError through):\n"
)
SHARED_FIXTURE_CLOSED = (
    "{test} closed the {part} that every test of {class_name} shares "
    "(server_scope = 'class'); aiotest builds a new one for the next test. Don't close it "
    "in a test, or use server_scope = 'test' for a fixture of the test's own"
)
FIXTURE_NOT_BUILT = (
    "self.{name} is made by AioHTTPTestCase.asyncSetUp (through get_application, "
    "get_server and get_client); in an asyncSetUp override, call "
    "'await super().asyncSetUp()' before using it"
)
LOOP_STUCK = (
    "the test waits on something that can never happen: its loop runs on virtual time "
    "(virtual_time) and for {seconds:.1f} s of real time had nothing ready, no timer due, no "
    "I/O and nothing in flight (a future nobody resolves, an event nobody sets?); {phase} "
    "was cancelled.\nTasks pending then:\n{tasks}"
)
FAKES_LEFT_INSTALLED = (
    "the test left {count} fake(s) installed (check_leaks); aiotest uninstalled them. Use "
    "them as 'async with' / 'with' or a decorator, or stop() them in a cleanup:\n"
)
SESSION_CLOSED = "the test's loop is closed; {what} cannot run on it any more"

# settings: values, decorator targets and environment variables (aiotest/_settings.py and
# aiotest/_decorators.py). {where} is "@aiotest.name()" or "the class attribute Case.name".
SETTING_SECONDS_POSITIVE = (
    "{where} takes a number of seconds greater than 0, or None for no limit, not {value!r}"
)
SETTING_SECONDS_ZERO_OR_MORE = (
    "{where} takes a number of seconds, 0 or more, or None for asyncio's default, not {value!r}"
)
SETTING_NOT_A_FACTORY = (
    "{where} takes a callable that makes {what}, or None for asyncio's own, "
    "not {type_name} ({value!r})"
)
SETTING_LOOP_NAMED = (
    "{where} takes a callable that makes an event loop, not the name {value!r}: give the "
    "factory itself, such as uvloop.new_event_loop, or choose the loop of the whole run "
    "with the environment variable AIOTEST_LOOP=uvloop"
)
SETTING_NOT_A_SWITCH = "{where} takes True or False, not {type_name} ({value!r})"
SWITCH_USAGE = (
    "@aiotest.{name} takes nothing, True or False: write @aiotest.{name}, "
    "@aiotest.{name}(True) or @aiotest.{name}(False), not @aiotest.{name}({arguments})"
)
DECORATOR_TARGET = "@aiotest.{name} decorates a test method or a test case class, not {type_name}"
DECORATOR_ON_DESCRIPTOR = (
    "@aiotest.{name} decorates a test method or a test case class, not a {kind}: unittest "
    "runs tests as plain methods (def test_...(self)); put the decorator on one, or on the class"
)
DECORATOR_ON_PLAIN_TESTCASE = (
    "@aiotest.{name} would do nothing on {class_name}: it is a unittest.TestCase that aiotest "
    "does not run. Decorate an aiotest.AsyncTestCase or aiotest.AioHTTPTestCase subclass or "
    "its test methods, or derive {class_name} from one of them"
)
SETTING_HIDDEN_BY_BASE = (
    "{mixin}.{name} would be ignored: {case} lists {mixin} after its aiotest test case "
    "class, whose own default {name} comes first. List {mixin} first among the bases of {case}"
)
ENV_NOT_A_LOOP = (
    "{var}={value!r} is not an event loop aiotest knows: set it to 'asyncio' or 'uvloop', "
    "or unset it"
)
ENV_NOT_SECONDS = (
    "{var}={value!r} is not a number of seconds greater than 0: set it to one, such as "
    "{var}=30, or unset it for no limit"
)
ENV_NOT_A_SWITCH = (
    "{var}={value!r} is not a switch: set it to 1 or 0 (or true/false, yes/no, on/off), or unset it"
)
ENV_UVLOOP_MISSING = (
    "uvloop is not installed, but {source} asks for it: pip install 'aiotest-unittest[uvloop]', "
    "or unset it"
)

# pytest plugin: aiomisc's fixture names for the loop and the executor (aiotest/pytest_plugin.py).
BAD_EVENT_LOOP_POLICY = (
    "the fixture event_loop_policy returned {value!r}, which has no new_event_loop(): return "
    "an event loop policy (such as uvloop.EventLoopPolicy()), or None to leave the loop to "
    "aiotest's settings; a function that makes a loop goes in aiotest_loop_factory instead"
)
BAD_THREAD_POOL_EXECUTOR = (
    "the fixture thread_pool_executor returned {value!r}, which cannot be called: return an "
    "executor class (such as concurrent.futures.ThreadPoolExecutor), which aiotest calls with "
    "thread_pool_size, or None to leave the executor to aiotest's settings"
)
BAD_THREAD_POOL_SIZE = (
    "the fixture thread_pool_size returned {value!r}: return a number of threads, 1 or more, "
    "or None for the executor's own default"
)
FIXTURES_CONFLICT = (
    "the fixtures {first} and {second} both choose how this test runs: override only one of "
    "them (return None from the other)"
)
# pytest plugin: async fixtures on a loop of class, module, package or session scope.
WIDE_FIXTURE_TIMEOUT = (
    "the async fixture {name!r} ({scope} scope) did not finish its {step} within the run's "
    "timeout of {seconds:g} s; it was cancelled.\n"
    "Tasks pending when the timeout expired:\n{tasks}"
)
WIDE_FIXTURE_ABANDONED = (
    "\nThe fixture did not stop within {grace:g} s of being cancelled (it swallows "
    "CancelledError); aiotest abandoned it."
)

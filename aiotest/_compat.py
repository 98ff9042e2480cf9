"""Every use of a private or version-specific API of asyncio, unittest, aiohttp or pytest.

aiotest's other modules call only public APIs and the names defined here. Each touch point
has a test in ``tests/test_compat.py`` that fails when the API it relies on changes, so an
upgrade of Python or a library breaks one named test, not the lifecycle.

Sections, one per area: unittest, asyncio, aiohttp, pytest.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import BaseConnector, ClientRequest, ClientSession, ClientTimeout
from aiohttp.connector import Connection

__all__: list[str] = [
    "SESSION_CALL_METHODS",
    "CallRecorder",
    "ConnectHook",
    "wrap_connector_connect",
    "wrap_session_calls",
]

# --- unittest -------------------------------------------------------------------------------

# --- asyncio --------------------------------------------------------------------------------

# --- aiohttp --------------------------------------------------------------------------------

# fakes: begin. Fake hosts (aiotest/_fakes.py) reach sessions that the code under test
# creates itself, before or after the fake was installed. aiohttp has no process-wide hook
# for that: client middlewares (3.12+) and trace configs are fixed per session when it is
# made. The two touch points below wrap public methods on their classes, and nothing else.

#: The ClientSession methods whose calls aioresponses records, as the code passed them.
SESSION_CALL_METHODS = ("request", "get", "options", "head", "post", "put", "patch", "delete")

ConnectHook = Callable[
    [BaseConnector, ClientRequest, Any, ClientTimeout, Callable[..., Awaitable[Connection]]],
    Awaitable[Connection],
]
CallRecorder = Callable[[ClientSession, str, Any, dict[str, Any]], None]


def wrap_connector_connect(hook: ConnectHook) -> Callable[[], None]:
    """Send every ``BaseConnector.connect(req, traces, timeout)`` through ``hook``; return the undo.

    Why: ``connect`` is the public method (documented for custom connectors) through which
    every request of every session, on every aiohttp version from 3.10, gets its connection,
    and it sees the request first. ``hook`` gets the connector, the request, the traces, the
    timeout and the original method, which it calls to leave a request alone.
    """
    original = BaseConnector.connect

    @functools.wraps(original)
    async def connect(
        self: BaseConnector, req: ClientRequest, traces: Any, timeout: ClientTimeout
    ) -> Connection:
        return await hook(self, req, traces, timeout, original)

    BaseConnector.connect = connect  # type: ignore[method-assign]

    def undo() -> None:
        BaseConnector.connect = original  # type: ignore[method-assign]

    return undo


def wrap_session_calls(recorder: CallRecorder) -> Callable[[], None]:
    """Show ``recorder`` each request call on a ClientSession before it runs; return the undo.

    Why: the aioresponses API records a call's keyword arguments as the code passed them,
    with the method's own defaults (``get``'s ``allow_redirects=True``, ``post``'s
    ``data=None``); only the public methods in :data:`SESSION_CALL_METHODS` see them.
    ``recorder(session, method, url, kwargs)`` gets the upper-case method.
    """
    originals: dict[str, Any] = {}
    for name in SESSION_CALL_METHODS:
        originals[name] = original = getattr(ClientSession, name)
        setattr(ClientSession, name, _recording(name, original, recorder))

    def undo() -> None:
        for name, original in originals.items():
            setattr(ClientSession, name, original)

    return undo


def _recording(name: str, original: Any, recorder: CallRecorder) -> Any:
    signature = inspect.signature(original)

    @functools.wraps(original)
    def call(self: ClientSession, *args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError:
            # Let aiohttp report the bad call in its own words.
            return original(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        arguments.pop("self")
        method = str(arguments.pop("method", name)).upper()
        url = arguments.pop("url")
        extra = arguments.pop("kwargs", {})
        recorder(self, method, url, {**arguments, **extra})
        return original(self, *args, **kwargs)

    return call


# fakes: end.

# --- pytest ---------------------------------------------------------------------------------

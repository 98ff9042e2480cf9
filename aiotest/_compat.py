"""Every use of a private or version-specific API of asyncio, unittest, aiohttp or pytest.

aiotest's other modules call only public APIs and the names defined here. Each touch point
has a test in ``tests/test_compat.py`` that fails when the API it relies on changes, so an
upgrade of Python or a library breaks one named test, not the lifecycle.

Sections, one per area: unittest, asyncio, aiohttp, pytest.
"""

from __future__ import annotations

import sys
from typing import Any

import aiohttp
from aiohttp import helpers as _aiohttp_helpers

__all__: list[str] = [
    "AIOHTTP_SENTINEL",
    "CAN_DISABLE_CONNECTION_RETRY",
    "add_note",
    "disable_connection_retry",
    "set_match_info",
]

# --- unittest -------------------------------------------------------------------------------

# --- asyncio --------------------------------------------------------------------------------

# --- aiohttp --------------------------------------------------------------------------------

# aiohttp compat: make_mocked_coro.
AIOHTTP_SENTINEL: Any = _aiohttp_helpers.sentinel
"""aiohttp's private "argument not given" marker.

aiohttp's make_mocked_coro() uses it as its default and returns it when called without a
return value, so suites may see it; aiotest's make_mocked_coro() does the same with the
same object.
"""


# aiohttp compat: TestClient.
CAN_DISABLE_CONNECTION_RETRY: bool = "_retry_connection" in aiohttp.ClientSession.ATTRS
"""Whether this aiohttp's ClientSession has the private flag that turns its retry off.

ClientSession lists every attribute it may have in ``ATTRS``; aiohttp 3.10 has no flag and
always retries an idempotent request once.
"""


def disable_connection_retry(session: aiohttp.ClientSession) -> None:
    """Stop ``session`` retrying an idempotent request on a fresh connection, where it can.

    ClientSession retries once when the server closes the connection under a request (the
    private ``_retry_connection`` flag); a test client must see the first failure, as
    aiohttp's own TestClient arranges.
    """
    if CAN_DISABLE_CONNECTION_RETRY:
        session._retry_connection = False


# aiohttp compat: TestClient's TypeError.
def add_note(exc: BaseException, note: str) -> None:
    """Attach ``note`` to ``exc`` where Python shows notes (3.11+); before that, drop it.

    aiotest keeps aiohttp's exact text as the message, which suites may compare with ==,
    and adds its own help as a note, shown by tracebacks under the message.
    """
    if sys.version_info >= (3, 11):
        exc.add_note(note)


# aiohttp compat: make_mocked_request.
def set_match_info(request: Any, match_info: Any) -> None:
    """Give a request built by hand the match info that routing would have given it.

    ``web.Request`` has no public setter: the router sets the private ``_match_info``.
    """
    request._match_info = match_info


# --- pytest ---------------------------------------------------------------------------------

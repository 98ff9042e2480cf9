"""FakeAPI: a fake host declared route by route, matched on the whole request.

Each route names a method and a path, and optionally the query, headers, JSON body or raw
body it expects; it answers with replies in sequence or from a handler. A request that no
route matches gets a 501 whose body says why each route did not match, and the test fails
when the ``async with`` block ends (or at :meth:`FakeAPI.assert_no_unmatched`).
"""

from __future__ import annotations

import json as json_module
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from ._fakes import JOURNAL_ENTRY, FakeHost, FakeRequest

__all__ = ["FakeAPI", "FakeReply", "FakeRoute"]

UNMATCHED_REPLY = "aiotest.FakeAPI: no route of {origin} matches {method} {path}:\n{reasons}"
UNMATCHED_FAILURE = "{origin} received requests that no route matches:\n{listing}"
NO_ROUTES = "  no route is declared: add one with api.get(path, ...) or api.add(...)"
ROUTES_NOT_CALLED = "{origin}: routes never called: {routes}"
REPLY_AND_HANDLER = "a FakeAPI route answers with replies or with a handler, not both"

_MISSING: Any = object()
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class FakeReply:
    """One response of a :class:`FakeAPI` route: status, then ``json``, ``text`` or ``body``."""

    status: int = 200
    json: Any = _MISSING
    text: str | None = None
    body: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def response(self) -> web.Response:
        """A fresh aiohttp response for one request."""
        if self.json is not _MISSING:
            return web.json_response(self.json, status=self.status, headers=self.headers)
        if self.text is not None:
            return web.Response(status=self.status, text=self.text, headers=self.headers)
        return web.Response(status=self.status, body=self.body, headers=self.headers)


@dataclass
class FakeRoute:
    """A declared route and the requests it answered."""

    method: str
    path: str
    query: Mapping[str, str] | None
    headers: Mapping[str, str] | None
    json: Any
    body: bytes | None
    replies: Sequence[FakeReply]
    handler: Handler | None
    #: The requests this route answered, oldest first.
    calls: list[FakeRequest] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    def mismatch(self, request: web.Request, body: bytes) -> str | None:
        """Why ``request`` is not for this route, or None."""
        if request.method != self.method:
            return f"method {request.method} is not {self.method}"
        if request.path != self.path:
            return f"path {request.path} is not {self.path}"
        if self.query is not None:
            wanted = {k: str(v) for k, v in self.query.items()}
            if dict(request.query) != wanted:
                return f"query {dict(request.query)} is not {wanted}"
        for name, value in (self.headers or {}).items():
            if request.headers.get(name) != value:
                return f"header {name} is {request.headers.get(name)!r}, not {value!r}"
        if self.json is not _MISSING:
            try:
                got = json_module.loads(body)
            except ValueError:
                return f"body is not JSON: {body[:60]!r}"
            if got != self.json:
                return f"JSON body {got!r} is not {self.json!r}"
        if self.body is not None and body != self.body:
            return f"body {body[:60]!r} is not {self.body[:60]!r}"
        return None


class FakeAPI:
    """A fake host whose routes are declared one by one; use ``async with FakeAPI(origin)``."""

    __test__ = False

    def __init__(self, origin: str | URL, *, faults: bool = False) -> None:
        #: The declared routes, in the order they are tried.
        self.routes: list[FakeRoute] = []
        #: One explanation per request that no route matched.
        self.unmatched: list[str] = []
        self.host = FakeHost(origin, self._app, faults=faults)
        self.origin = self.host.origin

    @property
    def journal(self) -> list[FakeRequest]:
        """Every request the fake received, with its body, oldest first."""
        return self.host.journal

    def add(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = _MISSING,
        body: bytes | None = None,
        reply: FakeReply | Sequence[FakeReply] | None = None,
        handler: Handler | None = None,
    ) -> FakeRoute:
        """Declare a route; it matches when every given part of the request is as given.

        ``query`` is compared whole, ``headers`` one by one, ``json`` after decoding. It
        answers with ``reply`` (a :class:`FakeReply`, or a sequence of them used in turn,
        the last one answering every later request), with ``handler``, or with a 200.
        """
        if reply is not None and handler is not None:
            raise ValueError(REPLY_AND_HANDLER)
        replies = [reply] if isinstance(reply, FakeReply) else list(reply or [FakeReply()])
        route = FakeRoute(method.upper(), path, query, headers, json, body, replies, handler)
        self.routes.append(route)
        return route

    def get(self, path: str, **kwargs: Any) -> FakeRoute:
        """Declare a GET route; see :meth:`add`."""
        return self.add("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> FakeRoute:
        """Declare a POST route; see :meth:`add`."""
        return self.add("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> FakeRoute:
        """Declare a PUT route; see :meth:`add`."""
        return self.add("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> FakeRoute:
        """Declare a DELETE route; see :meth:`add`."""
        return self.add("DELETE", path, **kwargs)

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        return app

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        reasons = []
        for route in self.routes:
            reason = route.mismatch(request, body)
            if reason is None:
                route.calls.append(request[JOURNAL_ENTRY])
                if route.handler is not None:
                    return await route.handler(request)
                index = min(len(route.calls), len(route.replies)) - 1
                return route.replies[index].response()
            reasons.append(f"  {route}: {reason}")
        explanation = UNMATCHED_REPLY.format(
            origin=self.origin,
            method=request.method,
            path=request.path_qs,
            reasons="\n".join(reasons) or NO_ROUTES,
        )
        self.unmatched.append(explanation)
        return web.Response(status=501, text=explanation, headers=CIMultiDict())

    def assert_no_unmatched(self) -> None:
        """Fail, explaining each, if any request matched no route."""
        if self.unmatched:
            listing = "\n".join(self.unmatched)
            raise AssertionError(UNMATCHED_FAILURE.format(origin=self.origin, listing=listing))

    def assert_all_called(self) -> None:
        """Fail, naming them, unless every declared route answered at least once."""
        missing = [str(route) for route in self.routes if not route.calls]
        if missing:
            raise AssertionError(
                ROUTES_NOT_CALLED.format(origin=self.origin, routes=", ".join(missing))
            )

    async def __aenter__(self) -> FakeAPI:
        await self.host.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.host.close()
        if exc_type is None:
            self.assert_no_unmatched()

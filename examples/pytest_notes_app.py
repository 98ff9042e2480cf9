"""The notes service tested with pytest and aiotest's plugin: the same checks as test_notes_app.py.

Run it with ``python -m pytest -p aiotest.pytest_plugin examples/pytest_notes_app.py``
(the name keeps it out of ``python -m unittest discover -s examples`` and of a bare
``pytest``, which would run it without the plugin).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from notes_app import HUB, MAX_TITLE_LENGTH, STORE, create_app

from aiotest import TestClient

Client = TestClient[web.Request, web.Application]

# Every test fails on leaks, loop exceptions and handler exceptions, and within 10 s.
pytestmark = pytest.mark.aiotest(strict=True, timeout=10)


@pytest.fixture
async def app() -> AsyncIterator[web.Application]:
    application = create_app()
    yield application
    # The client fixture's teardown closed the server, which ran on_cleanup.
    assert application[STORE].closed, "on_cleanup did not close the note store"


@pytest.fixture
async def client(app: web.Application, aiohttp_client: Callable[..., Awaitable[Client]]) -> Client:
    return await aiohttp_client(app)


async def create(client: Client, **fields: Any) -> dict[str, Any]:
    async with client.post("/notes", json=fields) as response:
        assert response.status == 201, await response.text()
        note: dict[str, Any] = await response.json()
    return note


async def test_list_is_empty_at_first(client: Client) -> None:
    async with client.get("/notes") as response:
        assert response.status == 200
        assert await response.json() == []


async def test_create_returns_the_note_and_its_location(client: Client) -> None:
    async with client.post("/notes", json={"title": "buy milk"}) as response:
        assert response.status == 201
        note = await response.json()
        location = response.headers["Location"]
    assert note == {"id": 1, "title": "buy milk", "body": "", "done": False}
    async with client.get(location) as response:
        assert await response.json() == note


@pytest.mark.parametrize(
    ("query", "titles"),
    [({}, ["open", "finished"]), ({"done": "true"}, ["finished"]), ({"done": "false"}, ["open"])],
)
async def test_list_filters_by_done(
    client: Client, query: dict[str, str], titles: list[str]
) -> None:
    await create(client, title="open")
    await create(client, title="finished", done=True)
    async with client.get("/notes", params=query) as response:
        assert [note["title"] for note in await response.json()] == titles


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
async def test_missing_note_is_404_for_every_method(client: Client, method: str) -> None:
    async with client.request(method, "/notes/99", json={"title": "x"}) as response:
        assert response.status == 404
        assert "error" in await response.json()


async def test_too_long_title_is_422(client: Client) -> None:
    async with client.post("/notes", json={"title": "x" * (MAX_TITLE_LENGTH + 1)}) as response:
        assert response.status == 422
        body = await response.json()
    assert body["fields"] == {"title": f"longer than {MAX_TITLE_LENGTH} characters"}


async def test_the_app_state_is_reachable_from_the_test(
    client: Client, app: web.Application
) -> None:
    await create(client, title="seen from the test")
    notes = await app[STORE].select()
    assert [note.title for note in notes] == ["seen from the test"]


async def test_every_change_reaches_a_listener(client: Client, app: web.Application) -> None:
    async with client.ws_connect("/live") as ws:
        assert await ws.receive_json() == {"event": "hello", "count": 0}
        assert len(app[HUB].sockets) == 1
        await create(client, title="broadcast")
        event = await ws.receive_json()
    assert event["event"] == "created"
    assert event["note"]["title"] == "broadcast"

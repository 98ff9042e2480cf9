"""A small notes service: a JSON API over an in-memory store, with live updates by websocket.

Run it with ``python examples/notes_app.py`` and try ``curl localhost:8080/notes``.
Its tests, written with aiotest, are in test_notes_app.py and test_notes_handlers.py.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web
from aiohttp.typedefs import Handler

log = logging.getLogger("notes_app")

MAX_TITLE_LENGTH = 200
NOTE_FIELDS = {"title": str, "body": str, "done": bool}


class StoreClosedError(RuntimeError):
    """The store was used after the application shut down."""


@dataclasses.dataclass
class Note:
    id: int
    title: str
    body: str = ""
    done: bool = False

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class NoteStore:
    """Notes kept in memory; opened on startup, closed on cleanup."""

    def __init__(self) -> None:
        self._notes: dict[int, Note] = {}
        self._next_id = 1
        self.closed = False

    def _check_open(self) -> None:
        if self.closed:
            raise StoreClosedError("the note store is closed")

    async def select(self, done: bool | None = None) -> list[Note]:
        self._check_open()
        return [note for note in self._notes.values() if done is None or note.done is done]

    async def get(self, note_id: int) -> Note | None:
        self._check_open()
        return self._notes.get(note_id)

    async def create(self, fields: Mapping[str, Any]) -> Note:
        self._check_open()
        note = Note(id=self._next_id, **fields)
        self._notes[note.id] = note
        self._next_id += 1
        return note

    async def update(self, note_id: int, fields: Mapping[str, Any]) -> Note | None:
        self._check_open()
        note = self._notes.get(note_id)
        if note is not None:
            for name, value in fields.items():
                setattr(note, name, value)
        return note

    async def delete(self, note_id: int) -> bool:
        self._check_open()
        return self._notes.pop(note_id, None) is not None

    async def close(self) -> None:
        self._notes.clear()
        self.closed = True


class Hub:
    """The websockets listening for changes; each change is sent to all of them."""

    def __init__(self) -> None:
        self.sockets: set[web.WebSocketResponse] = set()

    async def publish(self, event: str, note: Note) -> None:
        message = {"event": event, "note": note.to_json()}
        for ws in list(self.sockets):
            try:
                await ws.send_json(message)
            except ConnectionResetError:
                # The listener went away between two messages; the change itself stands.
                self.sockets.discard(ws)

    async def close_all(self) -> None:
        for ws in list(self.sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")


STORE = web.AppKey("store", NoteStore)
HUB = web.AppKey("hub", Hub)


class ValidationError(Exception):
    """A request body that is well-formed JSON but not a valid note."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(problems)
        self.problems = problems


def validate_note(data: object, *, partial: bool) -> dict[str, Any]:
    """Return the note fields in ``data``; all of title is required unless ``partial``."""
    if not isinstance(data, dict):
        raise ValidationError({"body": "expected a JSON object"})
    problems: dict[str, str] = {}
    for name in data:
        if name not in NOTE_FIELDS:
            problems[name] = "unknown field"
    for name, kind in NOTE_FIELDS.items():
        if name in data and not isinstance(data[name], kind):
            problems[name] = f"expected {kind.__name__}"
    if not partial and "title" not in data:
        problems["title"] = "required"
    title = data.get("title")
    if isinstance(title, str) and not title.strip():
        problems["title"] = "must not be blank"
    elif isinstance(title, str) and len(title) > MAX_TITLE_LENGTH:
        problems["title"] = f"longer than {MAX_TITLE_LENGTH} characters"
    if partial and not data:
        problems["body"] = "nothing to update"
    if problems:
        raise ValidationError(problems)
    return {name: data[name] for name in NOTE_FIELDS if name in data}


async def read_json(request: web.Request) -> object:
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="send the note as application/json")
    try:
        return await request.json()
    except json.JSONDecodeError as error:
        raise web.HTTPBadRequest(text=f"malformed JSON: {error.msg}") from None


def requested_id(request: web.Request) -> int:
    # The route only matches digits, so this cannot fail.
    return int(request.match_info["note_id"])


def not_found(wanted: int) -> web.HTTPNotFound:
    return web.HTTPNotFound(text=f"no note with id {wanted}")


async def list_notes(request: web.Request) -> web.Response:
    done_param = request.query.get("done")
    if done_param not in (None, "true", "false"):
        raise web.HTTPBadRequest(text="done must be 'true' or 'false'")
    done = None if done_param is None else done_param == "true"
    notes = await request.app[STORE].select(done)
    return web.json_response([note.to_json() for note in notes])


async def create_note(request: web.Request) -> web.Response:
    fields = validate_note(await read_json(request), partial=False)
    note = await request.app[STORE].create(fields)
    await request.app[HUB].publish("created", note)
    location = request.app.router["note"].url_for(note_id=str(note.id))
    return web.json_response(note.to_json(), status=201, headers={"Location": str(location)})


async def get_note(request: web.Request) -> web.Response:
    wanted = requested_id(request)
    note = await request.app[STORE].get(wanted)
    if note is None:
        raise not_found(wanted)
    return web.json_response(note.to_json())


async def save_changes(
    request: web.Request, wanted: int, fields: Mapping[str, Any]
) -> web.Response:
    """Store ``fields`` on note ``wanted``, tell the live listeners, answer with the note."""
    note = await request.app[STORE].update(wanted, fields)
    if note is None:
        raise not_found(wanted)
    await request.app[HUB].publish("updated", note)
    return web.json_response(note.to_json())


async def replace_note(request: web.Request) -> web.Response:
    wanted = requested_id(request)
    fields = validate_note(await read_json(request), partial=False)
    # PUT replaces the whole note: fields left out go back to their defaults.
    return await save_changes(request, wanted, {"body": "", "done": False, **fields})


async def update_note(request: web.Request) -> web.Response:
    wanted = requested_id(request)
    fields = validate_note(await read_json(request), partial=True)
    return await save_changes(request, wanted, fields)


async def delete_note(request: web.Request) -> web.Response:
    wanted = requested_id(request)
    note = await request.app[STORE].get(wanted)
    if note is None:
        raise not_found(wanted)
    await request.app[STORE].delete(wanted)
    await request.app[HUB].publish("deleted", note)
    return web.Response(status=204)


async def live_updates(request: web.Request) -> web.WebSocketResponse:
    """Send every change to the client; answer {"type": "ping"} with {"type": "pong"}."""
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    hub = request.app[HUB]
    hub.sockets.add(ws)
    try:
        notes = await request.app[STORE].select()
        await ws.send_json({"event": "hello", "count": len(notes)})
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                continue
            try:
                data = json.loads(message.data)
            except json.JSONDecodeError:
                data = None
            if isinstance(data, dict) and data.get("type") == "ping":
                await ws.send_json({"type": "pong"})
            else:
                await ws.send_json({"type": "error", "error": 'expected {"type": "ping"}'})
    finally:
        hub.sockets.discard(ws)
    return ws


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every error into a JSON body: {"error": ..., maybe "fields": ...}."""
    try:
        return await handler(request)
    except ValidationError as error:
        return web.json_response({"error": "invalid note", "fields": error.problems}, status=422)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        # Without a text of its own, an HTTPException says "404: Not Found"; use the reason.
        default_text = f"{error.status}: {error.reason}"
        body = {"error": error.text if error.text and error.text != default_text else error.reason}
        return web.json_response(body, status=error.status, headers=_allow_header(error))
    except Exception:
        log.exception("unhandled error in %s %s", request.method, request.path)
        return web.json_response({"error": "internal server error"}, status=500)


def _allow_header(error: web.HTTPException) -> dict[str, str]:
    allow = error.headers.get("Allow")
    return {"Allow": allow} if allow else {}


async def open_resources(app: web.Application) -> None:
    app[STORE] = NoteStore()
    app[HUB] = Hub()


async def close_websockets(app: web.Application) -> None:
    await app[HUB].close_all()


async def close_resources(app: web.Application) -> None:
    await app[STORE].close()


def create_app() -> web.Application:
    app = web.Application(middlewares=[json_errors])
    app.router.add_get("/notes", list_notes)
    app.router.add_post("/notes", create_note)
    note = app.router.add_resource(r"/notes/{note_id:\d+}", name="note")
    note.add_route("GET", get_note)
    note.add_route("PUT", replace_note)
    note.add_route("PATCH", update_note)
    note.add_route("DELETE", delete_note)
    app.router.add_get("/live", live_updates)
    app.on_startup.append(open_resources)
    app.on_shutdown.append(close_websockets)
    app.on_cleanup.append(close_resources)
    return app


if __name__ == "__main__":
    web.run_app(create_app())

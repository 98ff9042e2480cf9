"""Functional tests of the notes service: real requests to a real server on 127.0.0.1.

Run them with ``python -m unittest discover -s examples -v``.
"""

from __future__ import annotations

import asyncio
from typing import Any
from unittest import mock

from aiohttp import WSCloseCode, WSMsgType, web
from notes_app import HUB, MAX_TITLE_LENGTH, STORE, create_app

from aiotest import AioHTTPTestCase, make_mocked_coro


class NotesTestCase(AioHTTPTestCase):
    """Each test gets a fresh application, server and client."""

    async def get_application(self) -> web.Application:
        return create_app()

    async def tearDownAsync(self) -> None:
        store = self.app[STORE]
        await super().tearDownAsync()
        # Closing the client closes the server, which runs the app's on_cleanup handlers.
        self.assertTrue(store.closed, "on_cleanup did not close the note store")

    async def create(self, **fields: Any) -> dict[str, Any]:
        async with self.client.post("/notes", json=fields) as response:
            self.assertEqual(response.status, 201, await response.text())
            note: dict[str, Any] = await response.json()
        return note

    async def assert_error(
        self, response_status: int, method: str, path: str, **kwargs: Any
    ) -> dict[str, Any]:
        """Send a request that must fail; return its JSON error body."""
        async with self.client.request(method, path, **kwargs) as response:
            self.assertEqual(response.status, response_status, await response.text())
            self.assertEqual(response.content_type, "application/json")
            body: dict[str, Any] = await response.json()
        self.assertIn("error", body)
        return body


class CrudTests(NotesTestCase):
    async def test_list_is_empty_at_first(self) -> None:
        async with self.client.get("/notes") as response:
            self.assertEqual(response.status, 200)
            self.assertEqual(await response.json(), [])

    async def test_create_returns_the_note_and_its_location(self) -> None:
        async with self.client.post("/notes", json={"title": "buy milk"}) as response:
            self.assertEqual(response.status, 201)
            note = await response.json()
            location = response.headers["Location"]
        self.assertEqual(note, {"id": 1, "title": "buy milk", "body": "", "done": False})
        async with self.client.get(location) as response:
            self.assertEqual(response.status, 200)
            self.assertEqual(await response.json(), note)

    async def test_ids_are_not_reused(self) -> None:
        first = await self.create(title="one")
        second = await self.create(title="two")
        self.assertEqual((first["id"], second["id"]), (1, 2))
        async with self.client.delete("/notes/2") as response:
            self.assertEqual(response.status, 204)
        third = await self.create(title="three")
        self.assertEqual(third["id"], 3)

    async def test_list_filters_by_done(self) -> None:
        await self.create(title="open")
        await self.create(title="finished", done=True)
        for query, titles in (({}, ["open", "finished"]), ({"done": "true"}, ["finished"])):
            with self.subTest(query=query):
                async with self.client.get("/notes", params=query) as response:
                    notes = await response.json()
                self.assertEqual([note["title"] for note in notes], titles)
        async with self.client.get("/notes", params={"done": "false"}) as response:
            self.assertEqual([note["title"] for note in await response.json()], ["open"])

    async def test_list_rejects_a_bad_filter(self) -> None:
        body = await self.assert_error(400, "GET", "/notes", params={"done": "maybe"})
        self.assertEqual(body["error"], "done must be 'true' or 'false'")

    async def test_put_replaces_the_whole_note(self) -> None:
        await self.create(title="draft", body="text", done=True)
        async with self.client.put("/notes/1", json={"title": "final"}) as response:
            self.assertEqual(response.status, 200)
            self.assertEqual(
                await response.json(), {"id": 1, "title": "final", "body": "", "done": False}
            )

    async def test_patch_changes_only_the_given_fields(self) -> None:
        await self.create(title="draft", body="text")
        async with self.client.patch("/notes/1", json={"done": True}) as response:
            self.assertEqual(response.status, 200)
            self.assertEqual(
                await response.json(), {"id": 1, "title": "draft", "body": "text", "done": True}
            )

    async def test_delete_removes_the_note(self) -> None:
        await self.create(title="temporary")
        async with self.client.delete("/notes/1") as response:
            self.assertEqual(response.status, 204)
            self.assertEqual(await response.read(), b"")
        await self.assert_error(404, "GET", "/notes/1")

    async def test_the_app_state_is_reachable_from_the_test(self) -> None:
        await self.create(title="seen from the test")
        notes = await self.app[STORE].select()
        self.assertEqual([note.title for note in notes], ["seen from the test"])


class ErrorTests(NotesTestCase):
    async def test_missing_note_is_404_for_every_method(self) -> None:
        for method in ("GET", "PUT", "PATCH", "DELETE"):
            with self.subTest(method=method):
                body = await self.assert_error(404, method, "/notes/42", json={"title": "x"})
                self.assertEqual(body["error"], "no note with id 42")

    async def test_id_that_is_not_a_number_is_404(self) -> None:
        body = await self.assert_error(404, "GET", "/notes/abc")
        self.assertEqual(body["error"], "Not Found")

    async def test_unknown_path_is_404(self) -> None:
        await self.assert_error(404, "GET", "/nowhere")

    async def test_wrong_method_is_405_with_allow_header(self) -> None:
        async with self.client.post("/notes/1", json={}) as response:
            self.assertEqual(response.status, 405)
            self.assertEqual(await response.json(), {"error": "Method Not Allowed"})
            allowed = {method.strip() for method in response.headers["Allow"].split(",")}
        self.assertEqual(allowed, {"GET", "PUT", "PATCH", "DELETE"})

    async def test_malformed_json_is_400(self) -> None:
        headers = {"Content-Type": "application/json"}
        body = await self.assert_error(400, "POST", "/notes", data="{nope", headers=headers)
        self.assertTrue(body["error"].startswith("malformed JSON"), body)

    async def test_body_that_is_not_json_is_415(self) -> None:
        await self.assert_error(415, "POST", "/notes", data="title=x")

    async def test_invalid_notes_are_422_with_the_problem_per_field(self) -> None:
        cases: list[tuple[object, dict[str, str]]] = [
            ({}, {"title": "required"}),
            ({"title": "  "}, {"title": "must not be blank"}),
            ({"title": "x" * (MAX_TITLE_LENGTH + 1)}, {"title": "longer than 200 characters"}),
            ({"title": 7}, {"title": "expected str"}),
            ({"title": "x", "done": "yes"}, {"done": "expected bool"}),
            ({"title": "x", "colour": "red"}, {"colour": "unknown field"}),
            (["title"], {"body": "expected a JSON object"}),
        ]
        for payload, problems in cases:
            with self.subTest(payload=payload):
                body = await self.assert_error(422, "POST", "/notes", json=payload)
                self.assertEqual(body, {"error": "invalid note", "fields": problems})
        async with self.client.get("/notes") as response:
            self.assertEqual(await response.json(), [], "an invalid note was stored")

    async def test_empty_patch_is_422(self) -> None:
        await self.create(title="x")
        body = await self.assert_error(422, "PATCH", "/notes/1", json={})
        self.assertEqual(body["fields"], {"body": "nothing to update"})

    async def test_unexpected_error_is_500_and_logged(self) -> None:
        store = self.app[STORE]
        with (
            mock.patch.object(store, "select", side_effect=OSError("disk on fire")),
            self.assertLogs("notes_app", "ERROR") as logs,
        ):
            body = await self.assert_error(500, "GET", "/notes")
        self.assertEqual(body, {"error": "internal server error"})
        self.assertIn("disk on fire", logs.output[0])


class LiveUpdatesTests(NotesTestCase):
    async def test_greets_with_the_number_of_notes(self) -> None:
        await self.create(title="one")
        async with self.client.ws_connect("/live") as ws:
            self.assertEqual(await ws.receive_json(), {"event": "hello", "count": 1})

    async def test_answers_ping_and_reports_bad_messages(self) -> None:
        async with self.client.ws_connect("/live") as ws:
            await ws.receive_json()
            await ws.send_json({"type": "ping"})
            self.assertEqual(await ws.receive_json(), {"type": "pong"})
            await ws.send_str("not json")
            reply = await ws.receive_json()
            self.assertEqual(reply["type"], "error")

    async def test_every_change_is_sent_to_every_listener(self) -> None:
        async with (
            self.client.ws_connect("/live") as first,
            self.client.ws_connect("/live") as second,
        ):
            for ws in (first, second):
                await ws.receive_json()
            note = await self.create(title="shared")
            async with self.client.patch("/notes/1", json={"done": True}) as response:
                self.assertEqual(response.status, 200)
            async with self.client.delete("/notes/1") as response:
                self.assertEqual(response.status, 204)
            for ws in (first, second):
                events = [await ws.receive_json(timeout=1) for _ in range(3)]
                self.assertEqual(
                    [event["event"] for event in events], ["created", "updated", "deleted"]
                )
                self.assertEqual(events[0]["note"], note)
                self.assertTrue(events[1]["note"]["done"])

    async def test_listener_is_forgotten_when_it_disconnects(self) -> None:
        hub = self.app[HUB]
        async with self.client.ws_connect("/live") as ws:
            await ws.receive_json()
            self.assertEqual(len(hub.sockets), 1)
        # The server handler may still be finishing; give it a moment.
        for _ in range(100):
            if not hub.sockets:
                break
            await asyncio.sleep(0.01)
        self.assertEqual(hub.sockets, set())

    async def test_a_vanished_listener_does_not_break_a_change(self) -> None:
        vanished = mock.Mock(spec=web.WebSocketResponse)
        vanished.send_json = make_mocked_coro(raise_exception=ConnectionResetError())
        hub = self.app[HUB]
        hub.sockets.add(vanished)
        await self.create(title="saved anyway")
        vanished.send_json.assert_called_once()
        self.assertNotIn(vanished, hub.sockets)

    async def test_shutdown_closes_listeners_with_going_away(self) -> None:
        ws = await self.client.ws_connect("/live")
        await ws.receive_json()
        # The client must read the server's close frame while the server shuts down.
        closing = asyncio.create_task(self.server.close())
        message = await ws.receive(timeout=5)
        await closing
        self.assertEqual(message.type, WSMsgType.CLOSE)
        self.assertEqual(ws.close_code, WSCloseCode.GOING_AWAY)


class LifecycleTests(NotesTestCase):
    async def test_startup_opened_the_store(self) -> None:
        self.assertFalse(self.app[STORE].closed)

    async def test_closing_the_client_runs_on_cleanup(self) -> None:
        store = self.app[STORE]
        await self.client.close()
        self.assertTrue(store.closed)
        self.assertTrue(self.server.closed)

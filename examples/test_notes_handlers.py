"""Unit tests of the notes service's pieces, without a server: handlers get mocked requests.

Most tests belong in test_notes_app.py, against a real server. These cover what is easier
to reach directly: the validation rules, and the error middleware's handling of a failure.
"""

from __future__ import annotations

import json
import unittest

from aiohttp import web
from notes_app import STORE, NoteStore, ValidationError, get_note, json_errors, validate_note

from aiotest import AsyncTestCase, make_mocked_coro, make_mocked_request


class ValidateNoteTests(unittest.TestCase):
    def test_keeps_only_the_given_fields(self) -> None:
        self.assertEqual(validate_note({"done": True}, partial=True), {"done": True})

    def test_reports_every_problem_at_once(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            validate_note({"title": "", "done": 1, "tags": []}, partial=False)
        self.assertEqual(
            caught.exception.problems,
            {"title": "must not be blank", "done": "expected bool", "tags": "unknown field"},
        )


class HandlerTests(AsyncTestCase):
    async def test_get_note_reads_the_store(self) -> None:
        store = NoteStore()
        await store.create({"title": "from the store"})
        request = make_mocked_request("GET", "/notes/1", match_info={"note_id": "1"})
        # The mocked request's application is a stand-in that stores items like a real one.
        request.app[STORE] = store
        response = await get_note(request)
        self.assertEqual(response.status, 200)
        assert response.text is not None
        self.assertEqual(json.loads(response.text)["title"], "from the store")

    async def test_get_note_fails_after_cleanup(self) -> None:
        store = NoteStore()
        await store.close()
        request = make_mocked_request("GET", "/notes/1", match_info={"note_id": "1"})
        request.app[STORE] = store
        with self.assertRaisesRegex(RuntimeError, "closed"):
            await get_note(request)

    async def test_middleware_passes_a_good_response_through(self) -> None:
        expected = web.Response(text="fine")
        handler = make_mocked_coro(expected)
        request = make_mocked_request("GET", "/")
        self.assertIs(await json_errors(request, handler), expected)
        handler.assert_called_once_with(request)

    async def test_middleware_turns_a_crash_into_json(self) -> None:
        handler = make_mocked_coro(raise_exception=KeyError("oops"))
        request = make_mocked_request("DELETE", "/notes/3")
        with self.assertLogs("notes_app", "ERROR") as logs:
            response = await json_errors(request, handler)
        self.assertEqual(response.status, 500)
        assert isinstance(response, web.Response) and response.text is not None
        self.assertEqual(json.loads(response.text), {"error": "internal server error"})
        self.assertIn("DELETE /notes/3", logs.output[0])

    async def test_middleware_lets_redirects_through(self) -> None:
        handler = make_mocked_coro(raise_exception=web.HTTPFound("/elsewhere"))
        with self.assertRaises(web.HTTPFound):
            await json_errors(make_mocked_request("GET", "/"), handler)

"""UndoStack: the engine's record of what to put back after a test."""

from __future__ import annotations

import unittest

from aiotest._undo import UndoStack


class UndoStackTest(unittest.TestCase):
    def test_callbacks_run_newest_first_with_their_arguments(self) -> None:
        calls: list[tuple[str, int]] = []
        undo = UndoStack()
        undo.callback(calls.append, ("first", 1))
        undo.callback(calls.append, ("second", 2))
        undo.close()
        self.assertEqual(calls, [("second", 2), ("first", 1)])

    def test_every_callback_runs_and_the_first_error_is_raised(self) -> None:
        calls: list[str] = []

        def fail(name: str) -> None:
            calls.append(name)
            raise RuntimeError(name)

        undo = UndoStack()
        undo.callback(calls.append, "oldest")
        undo.callback(fail, "middle")
        undo.callback(fail, "newest")
        with self.assertRaisesRegex(RuntimeError, "^newest$"):
            undo.close()
        self.assertEqual(calls, ["newest", "middle", "oldest"])

    def test_a_second_close_does_nothing(self) -> None:
        calls: list[int] = []
        undo = UndoStack()
        undo.callback(calls.append, 1)
        undo.close()
        undo.close()
        self.assertEqual(calls, [1])

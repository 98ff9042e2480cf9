"""What a test changed in the process, undone in reverse order however the test ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["UndoStack"]


class UndoStack:
    """Callbacks run last-in first-out by :meth:`close`, each one even if another raised.

    The part of :class:`contextlib.ExitStack` the engine uses, without its per-callback
    wrappers: a stack is filled and emptied for every test.
    """

    __slots__ = ("_callbacks",)

    def __init__(self) -> None:
        self._callbacks: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []

    def callback(self, function: Callable[..., Any], /, *args: Any) -> None:
        """Call ``function(*args)`` when the stack closes."""
        self._callbacks.append((function, args))

    def close(self) -> None:
        """Run every callback, newest first; then raise the first error one of them raised."""
        callbacks = self._callbacks
        error: BaseException | None = None
        while callbacks:
            function, args = callbacks.pop()
            try:
                function(*args)
            except BaseException as exc:
                if error is None:
                    error = exc
        if error is not None:
            raise error

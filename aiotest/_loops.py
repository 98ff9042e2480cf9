"""Event loops for framework-agnostic tests: made, set as current, and torn down."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable, Iterator

__all__ = ["loop_context", "setup_test_loop", "teardown_test_loop"]

LoopFactory = Callable[[], asyncio.AbstractEventLoop]


def setup_test_loop(
    loop_factory: LoopFactory = asyncio.new_event_loop,
) -> asyncio.AbstractEventLoop:
    """Make a loop, set it as the current loop and return it.

    Pair with :func:`teardown_test_loop`.
    """
    loop = loop_factory()
    asyncio.set_event_loop(loop)
    return loop


def cancel_all_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel the loop's pending tasks, wait for them, and report any that failed instead."""
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    if not pending:
        return
    for task in pending:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    for task in pending:
        if task.cancelled() or task.exception() is None:
            continue
        loop.call_exception_handler(
            {
                "message": "unhandled exception during test shutdown",
                "exception": task.exception(),
                "task": task,
            }
        )


def teardown_test_loop(loop: asyncio.AbstractEventLoop, fast: bool = False) -> None:
    """Close a loop made by :func:`setup_test_loop` and unset it as the current loop.

    Pending tasks are cancelled and awaited, async generators and the default executor
    are shut down. ``fast=True`` skips the garbage collection that otherwise flushes
    "never awaited" and "unclosed" warnings into the test that caused them.
    """
    try:
        if not loop.is_closed():
            try:
                cancel_all_tasks(loop)
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                loop.close()
        if not fast:
            gc.collect()
    finally:
        asyncio.set_event_loop(None)


@contextlib.contextmanager
def loop_context(
    loop_factory: LoopFactory = asyncio.new_event_loop, fast: bool = False
) -> Iterator[asyncio.AbstractEventLoop]:
    """Run the body with a fresh current loop, torn down afterwards even if the body raises."""
    loop = setup_test_loop(loop_factory)
    try:
        yield loop
    finally:
        teardown_test_loop(loop, fast=fast)

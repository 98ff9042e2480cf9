"""Every test of this module on each loop and with each thread pool, as aiomisc's docs do it."""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import threading
from collections.abc import Callable
from typing import Any

import pytest

LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {"asyncio": asyncio.new_event_loop}
if importlib.util.find_spec("uvloop"):  # the aiotest-unittest[uvloop] extra
    import uvloop

    LOOPS["uvloop"] = uvloop.new_event_loop


class NamedPool(concurrent.futures.ThreadPoolExecutor):
    def __init__(self, size: int) -> None:
        super().__init__(size, thread_name_prefix="named-pool")


# Defined here, or in a conftest.py for a whole folder: each parametrizes every test.
@pytest.fixture(params=list(LOOPS.values()), ids=list(LOOPS))
def aiotest_loop_factory(request: pytest.FixtureRequest) -> Any:
    return request.param


@pytest.fixture(params=[NamedPool, concurrent.futures.ThreadPoolExecutor], ids=["named", "std"])
def thread_pool_executor(request: pytest.FixtureRequest) -> Any:
    return request.param  # called with thread_pool_size


@pytest.fixture
def thread_pool_size() -> int:
    return 2


async def test_on_each_loop_with_each_pool(request: pytest.FixtureRequest) -> None:
    loop = asyncio.get_running_loop()
    loop_name, pool_name = request.node.callspec.id.split("-")
    assert type(loop).__module__.startswith(loop_name)
    thread = await loop.run_in_executor(None, lambda: threading.current_thread().name)
    assert thread.startswith("named-pool") == (pool_name == "named")

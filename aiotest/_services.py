"""Services a test needs running: started in order before it, stopped in reverse after it.

A service is any object with async ``start()`` and ``stop()`` (aiomisc's ``Service`` is
one). Used by the pytest plugin's ``services`` fixture and by
``AsyncTestCase.get_services()``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Sequence
from typing import Any, Protocol

__all__ = ["NOT_A_SERVICE", "Service", "ServiceGroup"]

__unittest = True

NOT_A_SERVICE = (
    "services must be objects with async start() and stop() methods (such as aiomisc's "
    "Service); {value!r} ({type_name}) has no async {method}()"
)


class Service(Protocol):
    """What aiotest starts and stops: async ``start()`` and ``stop()``."""

    async def start(self) -> Any: ...

    async def stop(self) -> Any: ...


def _check(service: object) -> None:
    for method in ("start", "stop"):
        func = getattr(service, method, None)
        if func is None or not inspect.iscoroutinefunction(func):
            raise TypeError(
                NOT_A_SERVICE.format(value=service, type_name=type(service).__name__, method=method)
            )


class ServiceGroup:
    """Services started one after the other, and stopped newest first."""

    def __init__(self, services: Sequence[Any]) -> None:
        for service in services:
            _check(service)
        self.services = list(services)
        self.started: list[Any] = []

    async def start(self) -> None:
        """Start each service in order; if one fails, stop those started and raise."""
        loop = asyncio.get_running_loop()
        for service in self.services:
            set_loop = getattr(service, "set_loop", None)
            if callable(set_loop):  # aiomisc's Service runs on the loop it is given
                set_loop(loop)
            try:
                await service.start()
            except BaseException:
                await self.stop()
                raise
            self.started.append(service)

    async def stop(self) -> None:
        """Stop the started services, newest first, every one even if one fails."""
        error: BaseException | None = None
        while self.started:
            service = self.started.pop()
            try:
                await service.stop()
            except Exception as exc:
                error = error or exc
        if error is not None:
            raise error

"""Services a test needs running: started in order before it, stopped in reverse after it.

A service is any object with async ``start()`` and ``stop()`` (aiomisc's ``Service`` is
one). Used by the pytest plugin's ``services`` fixture and by
``AsyncTestCase.get_services()``.

aiomisc's services follow a protocol of their own, kept here as aiomisc's entrypoint keeps
it: ``set_loop(loop)`` is called before ``start()``, and a service is started once its
``start()`` returns *or* it sets its ``start_event``; a ``start()`` that keeps running after
setting it (a client that stays connected) runs on as a task until the service is stopped.
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
        # The start() of each service that set its start_event and went on running.
        self._running: dict[int, asyncio.Task[Any]] = {}

    async def start(self) -> None:
        """Start each service in order; if one fails, stop those started and raise."""
        loop = asyncio.get_running_loop()
        for service in self.services:
            set_loop = getattr(service, "set_loop", None)
            if callable(set_loop):  # aiomisc's Service runs on the loop it is given
                set_loop(loop)
            try:
                await self._start_one(service)
            except BaseException:
                await self.stop()
                raise
            self.started.append(service)

    async def _start_one(self, service: Any) -> None:
        event = _start_event(service)
        if event is None:
            await service.start()
            return
        # aiomisc's protocol: started when start() returns or when it sets start_event.
        task = asyncio.ensure_future(service.start())
        waiter = asyncio.ensure_future(event.wait())
        try:
            await asyncio.wait((task, waiter), return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            task.cancel()
            raise
        finally:
            waiter.cancel()
        if task.done():
            task.result()  # raises what a failed start() raised
            event.set()
        else:
            self._running[id(service)] = task

    async def stop(self) -> None:
        """Stop the started services, newest first, every one even if one fails."""
        error: BaseException | None = None
        while self.started:
            service = self.started.pop()
            try:
                await service.stop()
            except Exception as exc:
                error = error or exc
            task = self._running.pop(id(service), None)
            if task is not None and not task.done():
                task.cancel()
            if task is not None:
                # A start() that failed while it ran on is reported too, as a stop failure.
                outcome = (await asyncio.gather(task, return_exceptions=True))[0]
                if isinstance(outcome, Exception):
                    error = error or outcome
        if error is not None:
            raise error


def _start_event(service: object) -> asyncio.Event | None:
    """The ``start_event`` of aiomisc's Service (made by ``set_loop()``), or None."""
    try:
        event = getattr(service, "start_event", None)
    except RuntimeError:  # aiomisc raises it before set_loop() was called
        return None
    return event if isinstance(event, asyncio.Event) else None

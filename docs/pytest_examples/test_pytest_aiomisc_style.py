"""aiomisc's fixture names: services, localhost, reserved ports and the TCP proxy."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web


async def up(request: web.Request) -> web.Response:
    return web.Response(text="up")


class WebService:
    """A service: async start() and stop(), as aiomisc's Service has."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/", up)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, self.host, self.port).start()

    async def stop(self) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


@pytest.fixture
def services(localhost: str, aiomisc_unused_port: int) -> list[WebService]:
    return [WebService(localhost, aiomisc_unused_port)]  # started before each test


async def test_the_service_runs(localhost: str, aiomisc_unused_port: int, tcp_proxy) -> None:
    async with (
        tcp_proxy(localhost, aiomisc_unused_port) as proxy,
        aiohttp.ClientSession() as session,
        session.get(proxy.make_url("/")) as response,
    ):
        assert await response.text() == "up"

"""Testing a service that calls another HTTP API: the API is a fake host on loopback."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from aiotest import AioHTTPTestCase, fake_host

SESSION = web.AppKey("session", aiohttp.ClientSession)


# --- the application under test: it calls https://weather.example.com itself ------------------
async def forecast(request: web.Request) -> web.Response:
    city = request.match_info["city"]
    session = request.app[SESSION]
    async with session.get("https://weather.example.com/v2/today", params={"q": city}) as upstream:
        if upstream.status != 200:
            return web.json_response({"error": "weather service unavailable"}, status=502)
        data = await upstream.json()
    return web.json_response({"city": city, "sky": data["sky"]})


async def client_session(app: web.Application):  # type: ignore[no-untyped-def]
    # The application makes its own session: the test injects nothing.
    async with aiohttp.ClientSession() as session:
        app[SESSION] = session
        yield


def create_app() -> web.Application:
    app = web.Application()
    app.cleanup_ctx.append(client_session)
    app.router.add_get("/forecast/{city}", forecast)
    return app


# --- the fake weather service: an ordinary aiohttp application ---------------------------------
async def today(request: web.Request) -> web.Response:
    if request.query["q"] == "Atlantis":
        return web.json_response({"error": "no such city"}, status=404)
    return web.json_response({"sky": "clear"})


def weather_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/v2/today", today)
    return app


class ForecastTests(AioHTTPTestCase):
    async def get_application(self) -> web.Application:
        return create_app()

    async def test_forecast_comes_from_the_weather_service(self) -> None:
        async with (
            fake_host("https://weather.example.com", weather_app) as weather,
            self.client.get("/forecast/Paris") as response,
        ):
            self.assertEqual(response.status, 200)
            self.assertEqual(await response.json(), {"city": "Paris", "sky": "clear"})
        # The journal shows what the service sent upstream.
        self.assertEqual(
            [str(r.url) for r in weather.journal], ["https://weather.example.com/v2/today?q=Paris"]
        )
        weather.assert_all_routes_called()

    @fake_host("https://weather.example.com", weather_app)
    async def test_upstream_error_becomes_a_502(self, weather) -> None:  # type: ignore[no-untyped-def]
        async with self.client.get("/forecast/Atlantis") as response:
            self.assertEqual(response.status, 502)
        self.assertEqual(len(weather.journal), 1)

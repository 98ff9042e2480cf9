"""The settings under pytest: a generated suite runs in a pytest subprocess, on both loops."""

from __future__ import annotations

import importlib.util
import os
import pathlib
import subprocess
import sys
import tempfile
import textwrap
import unittest
import xml.etree.ElementTree as ET

SUITE = textwrap.dedent(
    """
    import asyncio

    import aiohttp
    from aiohttp import web

    import aiotest


    async def broken(request):
        raise ZeroDivisionError("handler bug")


    async def legacy(request):
        try:
            asyncio.get_event_loop()
        except BaseException:
            pass
        return web.Response(text="legacy")


    async def hello(request):
        return web.Response(text="hello")


    class App(aiotest.AioHTTPTestCase):
        async def get_application(self):
            app = web.Application()
            app.router.add_get("/broken", broken)
            app.router.add_get("/legacy", legacy)
            app.router.add_get("/hello", hello)
            return app

        async def test_report_shows_handler_error(self):
            async with self.client.get("/broken") as response:
                self.assertEqual(response.status, 200)

        @aiotest.raise_server_exceptions
        async def test_raise_server_exceptions_fails(self):
            await self.client.get("/broken")

        @aiotest.raise_server_exceptions
        async def test_raise_server_exceptions_passes(self):
            await self.client.get("/hello")

        @aiotest.forbid_get_event_loop
        async def test_forbid_get_event_loop_passes(self):
            async with self.client.get("/hello") as response:
                self.assertEqual(await response.text(), "hello")

        @aiotest.forbid_get_event_loop
        async def test_forbid_get_event_loop_fails(self):
            await self.client.get("/legacy")

        @aiotest.strict
        async def test_strict_passes(self):
            async with self.client.get("/hello") as response:
                self.assertEqual(response.status, 200)


    class Plain(aiotest.AsyncTestCase):
        @aiotest.timeout(0.1)
        async def test_timeout_fails(self):
            await asyncio.sleep(10)

        @aiotest.timeout(1)
        async def test_timeout_passes(self):
            await asyncio.sleep(0)

        @aiotest.catch_loop_exceptions
        async def test_catch_loop_exceptions_fails(self):
            asyncio.get_running_loop().call_soon(lambda: 1 / 0)
            await asyncio.sleep(0.01)

        @aiotest.catch_loop_exceptions
        async def test_catch_loop_exceptions_passes(self):
            await asyncio.sleep(0.01)

        @aiotest.check_leaks
        async def test_check_leaks_fails(self):
            self.session = aiohttp.ClientSession()

        @aiotest.check_leaks
        async def test_check_leaks_passes(self):
            async with aiohttp.ClientSession():
                pass
    """
)

#: test name -> (passes, fragments its failure message must contain)
EXPECTED: dict[str, tuple[bool, tuple[str, ...]]] = {
    "test_report_shows_handler_error": (
        False,
        ("500 != 200", "GET /broken", "ZeroDivisionError: handler bug"),
    ),
    "test_raise_server_exceptions_fails": (False, ("(raise_server_exceptions)", "GET /broken")),
    "test_raise_server_exceptions_passes": (True, ()),
    "test_forbid_get_event_loop_passes": (True, ()),
    "test_forbid_get_event_loop_fails": (False, ("under forbid_get_event_loop", "in legacy")),
    "test_strict_passes": (True, ()),
    "test_timeout_fails": (False, ("within its timeout of 0.1 s", "await asyncio.sleep(10)")),
    "test_timeout_passes": (True, ()),
    "test_catch_loop_exceptions_fails": (False, ("ZeroDivisionError", "Exception in callback")),
    "test_catch_loop_exceptions_passes": (True, ()),
    "test_check_leaks_fails": (False, ("aiohttp.ClientSession was not closed",)),
    "test_check_leaks_passes": (True, ()),
}


def run_pytest(loop: str) -> dict[str, tuple[bool, str]]:
    """Run the suite under pytest on ``loop``; return each test's (passed, report)."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = pathlib.Path(tmp)
        (directory / "test_generated.py").write_text(SUITE, encoding="utf-8")
        report = directory / "report.xml"
        env = {**os.environ, "AIOTEST_LOOP": loop}
        for name in ("AIOTEST_TIMEOUT", "AIOTEST_STRICT", "PYTHONASYNCIODEBUG"):
            env.pop(name, None)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "-q",
                f"--junitxml={report}",
                str(directory / "test_generated.py"),
            ],
            cwd=tmp,
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        )
        outcomes: dict[str, tuple[bool, str]] = {}
        for case in ET.parse(report).getroot().iter("testcase"):
            problems = [child for child in case if child.tag in ("failure", "error")]
            text = "\n".join((p.get("message") or "") + "\n" + (p.text or "") for p in problems)
            outcomes[case.get("name", "")] = (not problems, text)
        return outcomes


@unittest.skipUnless(importlib.util.find_spec("pytest"), "pytest is not installed here")
class UnderPytestTest(unittest.TestCase):
    def check(self, loop: str) -> None:
        outcomes = run_pytest(loop)
        self.assertEqual(sorted(outcomes), sorted(EXPECTED))
        for name, (passes, fragments) in EXPECTED.items():
            with self.subTest(test=name, loop=loop):
                passed, text = outcomes[name]
                self.assertEqual(passed, passes, text)
                for fragment in fragments:
                    self.assertIn(fragment, text)

    def test_with_asyncio_loop(self) -> None:
        self.check("asyncio")

    def test_with_uvloop(self) -> None:
        self.check("uvloop")


if __name__ == "__main__":
    unittest.main()

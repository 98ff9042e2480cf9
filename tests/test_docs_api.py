"""The API reference documents every public name, and only public names."""

from __future__ import annotations

import pathlib
import re
import unittest

import aiotest

try:
    from aiotest import pytest_plugin
except ImportError:  # pragma: no cover - pytest is a test dependency
    pytest_plugin = None  # type: ignore[assignment]

API_RST = pathlib.Path(__file__).resolve().parent.parent / "docs" / "api.rst"


class ApiReferenceTest(unittest.TestCase):
    def test_every_public_name_is_documented_once(self) -> None:
        text = API_RST.read_text(encoding="utf-8").split(PLUGIN_MODULE)[0]
        documented = re.findall(r"^\.\. auto\w+:: (\w+)", text, flags=re.MULTILINE)
        self.assertEqual(sorted(documented), sorted(set(documented)), "documented twice")
        self.assertEqual(
            sorted(set(aiotest.__all__) - set(documented)), [], f"missing from {API_RST.name}"
        )
        self.assertEqual(
            sorted(set(documented) - set(aiotest.__all__)), [], "documented but not exported"
        )


PLUGIN_MODULE = ".. module:: aiotest.pytest_plugin"


@unittest.skipIf(pytest_plugin is None, "pytest is not installed here")
class PluginReferenceTest(unittest.TestCase):
    def test_every_public_name_of_the_plugin_is_documented_once(self) -> None:
        text = API_RST.read_text(encoding="utf-8")
        self.assertIn(PLUGIN_MODULE, text)
        section = text.split(PLUGIN_MODULE)[1]
        documented = re.findall(r"^\.\. auto\w+:: (\w+)", section, flags=re.MULTILINE)
        self.assertEqual(sorted(documented), sorted(set(documented)), "documented twice")
        assert pytest_plugin is not None
        self.assertEqual(sorted(documented), sorted(pytest_plugin.__all__))

"""The API reference documents every public name, and only public names."""

from __future__ import annotations

import pathlib
import re
import unittest

import aiotest

API_RST = pathlib.Path(__file__).resolve().parent.parent / "docs" / "api.rst"


class ApiReferenceTest(unittest.TestCase):
    def test_every_public_name_is_documented_once(self) -> None:
        text = API_RST.read_text(encoding="utf-8")
        documented = re.findall(r"^\.\. auto\w+:: (\w+)", text, flags=re.MULTILINE)
        self.assertEqual(sorted(documented), sorted(set(documented)), "documented twice")
        self.assertEqual(
            sorted(set(aiotest.__all__) - set(documented)), [], f"missing from {API_RST.name}"
        )
        self.assertEqual(
            sorted(set(documented) - set(aiotest.__all__)), [], "documented but not exported"
        )

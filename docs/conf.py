"""Sphinx configuration for aiotest's documentation."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import aiotest

# Libraries whose objects the docs refer to; see nitpick_ignore_regex below.
_EXTERNAL = (
    "aiohttp",
    "yarl",
    "multidict",
    "asyncio",
    # asyncio.Task and asyncio.Future are classes of asyncio's C accelerator module.
    "_asyncio",
    "collections",
    "concurrent",
    "contextlib",
    "re",
    "socket",
    "ssl",
    "typing",
    "unittest",
)

project = "aiotest"
author = "the aiotest developers"
copyright = "2026, the aiotest developers"
version = release = aiotest.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
]
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
nitpicky = True
# The build runs offline, so intersphinx has no inventories to resolve references into
# other libraries; those are accepted by module. Every reference into aiotest is checked.
nitpick_ignore_regex = [
    (r"py:(class|exc|func|meth|attr|mod|data|obj)", rf"({'|'.join(_EXTERNAL)})(\..+)?"),
    # Private type variables and helper classes that show up in public signatures.
    (r"py:class", r"(aiotest\._[a-z]+\.)?~?_[A-Za-z]+"),
]
# Annotations that name a type imported only for type checking, or through an alias,
# reach the docs as written and cannot be resolved.
nitpick_ignore = [
    ("py:class", "AbstractCookieJar"),
    ("py:class", "HttpVersion"),
    ("py:class", "SSLContext"),
    ("py:class", "SocketFactory"),
    ("py:class", "StrOrURL"),
    ("py:class", "StreamReader"),
    ("py:class", "URL"),
    ("py:class", "web.Application"),
    ("py:class", "web.Request"),
    # Types that public signatures return but aiotest does not export.
    ("py:class", "aiotest._legacy.LegacyDecorator"),
    ("py:class", "aiotest._settings.Settings"),
]
html_theme = "alabaster"
exclude_patterns = ["_build"]

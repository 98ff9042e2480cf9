"""Suites written for aiohttp.test_utils, run unchanged against it and against aiotest.

Each module here defines its test classes in ``make_suite(tu)``, where ``tu`` is the module
the suite imports its helpers from. Running every suite against aiohttp.test_utils as well
proves that the suite is a genuine aiohttp.test_utils suite; running it against aiotest is
the import swap that aiotest promises to survive.
"""

from __future__ import annotations

import unittest
from collections.abc import Callable
from types import ModuleType

import aiohttp.test_utils

import aiotest

#: The modules each suite runs against, with the label shown in test ids.
MODULES: tuple[tuple[str, ModuleType], ...] = (
    ("aiohttp", aiohttp.test_utils),
    ("aiotest", aiotest),
)

SuiteMaker = Callable[[ModuleType], list[type[unittest.TestCase]]]
LoadTests = Callable[[unittest.TestLoader, unittest.TestSuite, "str | None"], unittest.TestSuite]


def build(make_suite: SuiteMaker, label: str, module: ModuleType) -> list[type[unittest.TestCase]]:
    """Make the suite's classes for one module, labelled so both runs show apart."""
    classes = make_suite(module)
    for cls in classes:
        cls.__qualname__ = f"{cls.__name__}[{label}]"
    return classes


def load_tests_for(make_suite: SuiteMaker) -> LoadTests:
    """Return a ``load_tests`` hook that runs the suite against every module in MODULES."""

    def load_tests(
        loader: unittest.TestLoader, standard_tests: unittest.TestSuite, pattern: str | None
    ) -> unittest.TestSuite:
        suite = unittest.TestSuite(standard_tests)
        for label, module in MODULES:
            for cls in build(make_suite, label, module):
                suite.addTests(loader.loadTestsFromTestCase(cls))
        return suite

    return load_tests

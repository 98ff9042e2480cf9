"""Every compat suite runs against both modules, with the same tests for each."""

from __future__ import annotations

import importlib
import pathlib
import unittest

from . import MODULES, build

HERE = pathlib.Path(__file__).resolve().parent
SUITES = sorted(
    path.stem for path in HERE.glob("test_*.py") if path.stem != pathlib.Path(__file__).stem
)


def method_names(classes: list[type[unittest.TestCase]]) -> list[str]:
    loader = unittest.TestLoader()
    return sorted(
        f"{cls.__name__}.{name}" for cls in classes for name in loader.getTestCaseNames(cls)
    )


class TestBothModules(unittest.TestCase):
    def test_suites_exist(self) -> None:
        self.assertGreaterEqual(len(SUITES), 6, SUITES)

    def test_each_suite_builds_the_same_tests_for_each_module(self) -> None:
        for suite_name in SUITES:
            with self.subTest(suite=suite_name):
                module = importlib.import_module(f"{__package__}.{suite_name}")
                self.assertTrue(callable(getattr(module, "load_tests", None)))
                names = {
                    label: method_names(build(module.make_suite, label, tu))
                    for label, tu in MODULES
                }
                self.assertEqual(set(names), {"aiohttp", "aiotest"})
                self.assertTrue(names["aiohttp"], f"{suite_name} defines no tests")
                self.assertEqual(names["aiohttp"], names["aiotest"])

    def test_discovery_runs_both_variants(self) -> None:
        suite = unittest.defaultTestLoader.loadTestsFromName(f"{__package__}.test_myapp")
        ids = [test.id() for test in _flatten(suite)]
        self.assertTrue(any("[aiohttp]" in test_id for test_id in ids), ids)
        self.assertTrue(any("[aiotest]" in test_id for test_id in ids), ids)
        self.assertEqual(
            sum("[aiohttp]" in test_id for test_id in ids),
            sum("[aiotest]" in test_id for test_id in ids),
        )


def _flatten(suite: unittest.TestSuite) -> list[unittest.TestCase]:
    tests: list[unittest.TestCase] = []
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            tests.extend(_flatten(item))
        else:
            tests.append(item)
    return tests

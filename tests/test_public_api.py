"""The public API: names, signatures shared with aiohttp.test_utils, and packaging."""

from __future__ import annotations

import ast
import configparser
import inspect
import pathlib
import subprocess
import sys
import unittest
from collections.abc import Callable
from typing import Any

import aiohttp.test_utils

import aiotest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "aiotest"

# The names that a suite written for aiohttp.test_utils imports.
AIOHTTP_TEST_UTILS_NAMES = (
    "REUSE_ADDRESS",
    "AioHTTPTestCase",
    "BaseTestServer",
    "RawTestServer",
    "TestClient",
    "TestServer",
    "get_port_socket",
    "get_unused_port_socket",
    "loop_context",
    "make_mocked_coro",
    "make_mocked_request",
    "setup_test_loop",
    "teardown_test_loop",
    "unittest_run_loop",
    "unused_port",
)
FORBIDDEN_MODULES = ("aiohttp.test_utils", "aiohttp.pytest_plugin")
SIMPLE_DEFAULTS = (type(None), bool, int, float, str, tuple)


def imported_modules(path: pathlib.Path) -> set[str]:
    """Every module ``path`` imports by absolute name, and every string that could name one."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # A module name spelled as a string: importlib.import_module, __import__.
            modules.add(node.value)
    return modules


def signature_gaps(reference: Callable[..., Any], ours: Callable[..., Any]) -> list[str]:
    """What a call valid for ``reference`` could pass that ``ours`` does not accept alike."""
    theirs_sig, ours_sig = inspect.signature(reference), inspect.signature(ours)
    takes_any_keyword = any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in ours_sig.parameters.values()
    )
    gaps = []
    for param in theirs_sig.parameters.values():
        mine = ours_sig.parameters.get(param.name)
        if mine is None:
            if not (takes_any_keyword and param.kind is inspect.Parameter.KEYWORD_ONLY):
                gaps.append(f"missing parameter {param}")
            continue
        if mine.kind is not param.kind:
            gaps.append(
                f"{param.name}: {mine.kind.description} instead of {param.kind.description}"
            )
        one_has_no_default = (mine.default is inspect.Parameter.empty) != (
            param.default is inspect.Parameter.empty
        )
        simple_default_differs = (
            isinstance(param.default, SIMPLE_DEFAULTS) and mine.default != param.default
        )
        if one_has_no_default or simple_default_differs:
            gaps.append(f"{param.name}: default {mine.default!r} vs {param.default!r}")
    return gaps


class TestNames(unittest.TestCase):
    def test_every_name_in_all_exists(self) -> None:
        for name in aiotest.__all__:
            with self.subTest(name=name):
                self.assertTrue(hasattr(aiotest, name), name)

    def test_all_is_sorted_and_unique(self) -> None:
        # The order ruff's RUF022 keeps: constants, then classes, then functions.
        def kind_then_name(name: str) -> tuple[int, str]:
            kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
            return kind, name

        names = list(aiotest.__all__)
        self.assertEqual(names, sorted(set(names), key=kind_then_name))

    def test_aiohttp_test_utils_names_are_exported(self) -> None:
        missing = [name for name in AIOHTTP_TEST_UTILS_NAMES if name not in aiotest.__all__]
        self.assertEqual(missing, [])

    def test_reuse_address_matches_aiohttp(self) -> None:
        self.assertIs(aiotest.REUSE_ADDRESS, aiohttp.test_utils.REUSE_ADDRESS)

    def test_server_and_client_classes_are_not_test_classes(self) -> None:
        for cls in (aiotest.BaseTestServer, aiotest.TestServer, aiotest.RawTestServer):
            self.assertIs(cls.__test__, False)
        self.assertIs(aiotest.TestClient.__test__, False)


class TestSignaturesMatchAiohttp(unittest.TestCase):
    def test_functions(self) -> None:
        for name in AIOHTTP_TEST_UTILS_NAMES:
            reference = getattr(aiohttp.test_utils, name)
            if inspect.isclass(reference) or not callable(reference):
                continue
            with self.subTest(name=name):
                self.assertEqual(signature_gaps(reference, getattr(aiotest, name)), [])

    def test_constructors_and_methods(self) -> None:
        for name in ("BaseTestServer", "TestServer", "RawTestServer", "TestClient"):
            reference_class = getattr(aiohttp.test_utils, name)
            our_class = getattr(aiotest, name)
            for attribute, reference in vars(reference_class).items():
                if attribute.startswith("_") and attribute != "__init__":
                    continue
                with self.subTest(cls=name, attribute=attribute):
                    self.assertTrue(hasattr(our_class, attribute), f"{name}.{attribute}")
                    ours = getattr(our_class, attribute)
                    if isinstance(reference, property):
                        self.assertIsInstance(
                            inspect.getattr_static(our_class, attribute), property
                        )
                    elif inspect.isfunction(reference):
                        self.assertEqual(signature_gaps(reference, ours), [])
                        self.assertEqual(
                            inspect.iscoroutinefunction(ours),
                            inspect.iscoroutinefunction(reference),
                            f"{name}.{attribute} async-ness differs",
                        )

    def test_test_case_hooks(self) -> None:
        hooks = (
            "get_application",
            "get_app",
            "get_server",
            "get_client",
            "asyncSetUp",
            "setUpAsync",
            "asyncTearDown",
            "tearDownAsync",
        )
        for hook in hooks:
            with self.subTest(hook=hook):
                reference = getattr(aiohttp.test_utils.AioHTTPTestCase, hook)
                ours = getattr(aiotest.AioHTTPTestCase, hook)
                self.assertEqual(signature_gaps(reference, ours), [])
                self.assertEqual(
                    inspect.iscoroutinefunction(ours), inspect.iscoroutinefunction(reference)
                )

    def test_the_checker_finds_a_gap(self) -> None:
        def reference(path: str, *, flag: bool = True) -> None: ...

        def narrower(path: str) -> None: ...

        def different_default(path: str, *, flag: bool = False) -> None: ...

        self.assertEqual(len(signature_gaps(reference, narrower)), 1)
        self.assertEqual(len(signature_gaps(reference, different_default)), 1)


class TestIndependenceFromAiohttpTestUtils(unittest.TestCase):
    def test_no_module_in_the_package_imports_them(self) -> None:
        sources = sorted(PACKAGE.glob("**/*.py"))
        self.assertTrue(sources)
        for path in sources:
            with self.subTest(module=path.name):
                imported = imported_modules(path)
                for forbidden in FORBIDDEN_MODULES:
                    self.assertNotIn(forbidden, imported)

    def test_importing_aiotest_loads_neither(self) -> None:
        code = (
            "import sys, aiotest\n"
            f"print(sorted(m for m in {FORBIDDEN_MODULES!r} if m in sys.modules))\n"
        )
        completed = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT
        )
        self.assertEqual(completed.returncode, 0, completed.stderr)
        self.assertEqual(completed.stdout.strip(), "[]")

    def test_the_scan_sees_such_an_import(self) -> None:
        sample = PACKAGE.parent / "tests" / "test_public_api.py"
        self.assertIn("aiohttp.test_utils", imported_modules(sample))


class TestPackaging(unittest.TestCase):
    def test_py_typed_is_in_the_package(self) -> None:
        self.assertTrue((PACKAGE / "py.typed").is_file())

    def test_py_typed_is_declared_as_package_data(self) -> None:
        config = configparser.ConfigParser()
        config.read(ROOT / "setup.cfg", encoding="utf-8")
        package_data = config.get("options.package_data", "aiotest", fallback="")
        self.assertIn("py.typed", package_data.split())


if __name__ == "__main__":
    unittest.main()

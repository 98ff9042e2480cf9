"""Run a directory of generated tests in this process and report what it holds afterwards.

Usage: ``python benchmarks/_probe.py DIRECTORY``. Prints one JSON line: open file
descriptors, threads and resident memory at the start, after a warm-up of the first tests
and at the end; how many ResourceWarnings and asyncio/aiohttp error logs were emitted;
how many tests ran and how many failed.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import pathlib
import sys
import threading
import unittest
import warnings
from typing import Any

WARM_UP_TESTS = 100


def _rss_kib() -> int:
    try:
        for line in pathlib.Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    import resource

    # ru_maxrss is the peak, not the current size: the best a non-Linux system offers.
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _open_fds() -> int:
    for directory in ("/proc/self/fd", "/dev/fd"):
        try:
            return len(os.listdir(directory)) - 1  # the listing's own descriptor
        except OSError:
            continue
    return -1


def snapshot() -> dict[str, int]:
    """Open fds, live threads and RSS of this process, after a garbage collection."""
    gc.collect()
    return {"fds": _open_fds(), "threads": threading.active_count(), "rss_kib": _rss_kib()}


class _CountingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


def _flatten(suite: unittest.TestSuite) -> list[unittest.TestCase]:
    tests: list[unittest.TestCase] = []
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            tests.extend(_flatten(item))
        else:
            tests.append(item)
    return tests


def main(directory: str) -> dict[str, Any]:
    """Run every test under ``directory``; return the measurements."""
    sys.path.insert(0, directory)
    tests = _flatten(unittest.defaultTestLoader.discover(directory, top_level_dir=directory))
    handler = _CountingHandler()
    for name in ("asyncio", "aiohttp"):
        logging.getLogger(name).addHandler(handler)
    result = unittest.TestResult()
    snapshots: dict[str, dict[str, int]] = {}
    count = len(tests)
    # The suites drop each test once it has run, as unittest's own runner does; no other
    # reference may keep the tests (and what they hold) alive.
    warm_up, rest = (
        unittest.TestSuite(tests[:WARM_UP_TESTS]),
        unittest.TestSuite(tests[WARM_UP_TESTS:]),
    )
    del tests
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        snapshots["start"] = snapshot()
        warm_up.run(result)
        snapshots[f"after {WARM_UP_TESTS} tests"] = snapshot()
        rest.run(result)
        snapshots["end"] = snapshot()
    resource_warnings = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    return {
        "tests": count,
        "tests_run": result.testsRun,
        "problems": len(result.failures) + len(result.errors),
        "snapshots": snapshots,
        "resource_warnings": len(resource_warnings),
        "resource_warning_samples": resource_warnings[:3],
        "error_logs": len(handler.records),
        "error_log_samples": handler.records[:3],
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))

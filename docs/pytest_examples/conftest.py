"""Enables aiotest's plugin for the example suites in this folder."""

pytest_plugins = ["aiotest.pytest_plugin"]

"""Helpers shared by the test suite (as pre-commit's `testing/` package).

Plain functions live here; tests reach the ones that need set-up (the kubectl oracle, the lamina
CLI) through the fixtures in tests/conftest.py. Never import tests.conftest itself.
"""

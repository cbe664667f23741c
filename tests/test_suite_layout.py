"""The test suite keeps its shared helpers in one place and finds its oracle one way.

Shared plain helpers live in tests/helpers (imported), shared set-up in conftest fixtures
(requested by name); a conftest is pytest's, never imported by a test module. The Kustomize
oracle is found only by tests/helpers/oracle.py and reached through the `kubectl` and
`kubectl_kustomize` fixtures.
"""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# The rule itself, its tests (fake kubectl commands), and files quoting the old ways as examples.
EXEMPT = {TESTS / "helpers" / "oracle.py", TESTS / "test_oracle.py",
          TESTS / "test_no_machine_paths.py", Path(__file__).resolve()}
_IMPORTS_CONFTEST = re.compile(r"^\s*(?:from\s+[\w.]*conftest\s+import|import\s+[\w.]*conftest\b)",
                               re.MULTILINE)
# Ways the suite used to find kubectl on its own: a path constant, a PATH search for it.
_OWN_ORACLE = re.compile(r"""\bKUBECTL\s*=|which\(\s*["']kubectl["']|/\s*["']kubectl["']""")


def _modules() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "__pycache__" not in p.parts)


def test_no_test_module_imports_a_conftest() -> None:
    found = [str(p.relative_to(TESTS)) for p in _modules()
             if p.name != "conftest.py" and _IMPORTS_CONFTEST.search(p.read_text(encoding="utf-8"))]
    assert not found, ("import shared helpers from tests/helpers (or request a conftest fixture "
                       "by name) instead of importing a conftest: " + ", ".join(found))


def test_only_the_oracle_helper_looks_for_kubectl() -> None:
    found = [str(p.relative_to(TESTS)) for p in _modules()
             if p not in EXEMPT
             and _OWN_ORACLE.search(p.read_text(encoding="utf-8"))]
    assert not found, ("use the `kubectl` or `kubectl_kustomize` fixture (tests/conftest.py), "
                       "not a kubectl of your own: " + ", ".join(found))


def test_the_patterns_catch_what_they_are_for() -> None:
    assert _IMPORTS_CONFTEST.search("x = 1\nfrom tests.conftest import write_tree\n")
    assert _IMPORTS_CONFTEST.search("from tests.publish.conftest import git")
    assert not _IMPORTS_CONFTEST.search('"""Fixtures of tests/conftest.py."""')
    for line in ('KUBECTL = "x"', 'shutil.which("kubectl")', "Path(sys.executable).parent / 'kubectl'"):
        assert _OWN_ORACLE.search(line), line
    assert not _OWN_ORACLE.search("def test_matches_kubectl(kubectl_kustomize):")

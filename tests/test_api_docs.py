"""The examples of docs/api.md run: each ```python block, in a fresh folder and with its own
cache folder, in a fresh interpreter (so that `import lamina` is the package's own)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_api_doc_has_examples() -> None:
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("code", EXAMPLES, ids=[f"example-{i}" for i in range(len(EXAMPLES))])
def test_example_runs(tmp_path: Path, code: str) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_import_lamina_loads_no_use_case() -> None:
    probe = "import sys, lamina; print(sorted(m for m in sys.modules if m.startswith('lamina.')))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['lamina.version']"


# render and diff are written beside this (issue 14, lamina/api/render.py and api/diff.py):
# listed in lamina's export table already, resolved here once their modules exist.
NOT_YET_WRITTEN = {m for m in ("lamina.api.render", "lamina.api.diff")
                   if importlib.util.find_spec(m) is None}


def test_every_export_resolves_and_options_are_frozen() -> None:
    import lamina
    names = [n for n in lamina.__all__ if lamina._EXPORTS.get(n) not in NOT_YET_WRITTEN]
    for name in names:
        value = getattr(lamina, name)
        if name.endswith(("Options", "Query", "Result")) and name != "CheckResult":
            params = getattr(value, "__dataclass_params__", None)
            assert params is not None and params.frozen, name
    uses = ["build", "render", "check", "diff", "publish", "explain", "values", "promote",
            "rollback", "history"]
    assert set(uses) <= set(lamina.__all__)
    assert all(callable(getattr(lamina, u)) for u in uses if u in names)


def test_a_use_case_named_as_a_subpackage_stays_the_function() -> None:
    """lamina.publish, lamina.explain and lamina.diff are functions, also once the
    subpackages of those names are imported (before or after the function)."""
    diff = "lamina.api.diff" not in NOT_YET_WRITTEN
    probe = ("import lamina, lamina.publish.branch, lamina.explain.tracer, lamina.diff; "
             "f = lamina.explain; import lamina.diff.model; "
             "print(callable(lamina.publish), callable(f), callable(lamina.explain), "
             f"{'callable(lamina.diff)' if diff else 'True'})")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True"] * 4

"""Generated documents through `kubectl kustomize` and through lamina must print alike.

The same input text goes to both: sometimes JSON (which is YAML, in flow style), sometimes
our own output. When Kustomize refuses a document, lamina must refuse it too.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yamltest_helpers import kustomize, needs_kubectl
from yamltest_strategies import resource_docs

from lamina.errors import LaminaError
from lamina.yaml import dump, dump_all, load_all

pytestmark = needs_kubectl


def _lamina(text: str) -> str | None:
    try:
        return dump_all(load_all(text, "r.yaml"))
    except LaminaError:
        return None


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(doc=resource_docs(), as_json=st.booleans())
def test_same_bytes_as_kubectl(doc, as_json: bool, tmp_path_factory) -> None:
    text = json.dumps(doc, ensure_ascii=False) + "\n" if as_json else dump(doc)
    result = kustomize(tmp_path_factory.mktemp("k"), text)
    ours = _lamina(text)
    if result.returncode != 0:
        assert ours is None, f"kubectl refused this input:\n{result.stderr}"
    else:
        assert ours == result.stdout

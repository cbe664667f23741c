"""Generated documents through `kubectl kustomize` and through lamina must print alike.

The same input text goes to both: sometimes JSON (which is YAML, in flow style), sometimes
our own output. When Kustomize refuses a document, lamina must refuse it too.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.yaml.yamltest_strategies import resource_docs

from lamina.errors import LaminaError
from lamina.yaml import dump, dump_all, load_all


def _lamina(text: str) -> str | None:
    try:
        return dump_all(load_all(text, "r.yaml"))
    except LaminaError:
        return None


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(doc=resource_docs(), as_json=st.booleans())
def test_same_bytes_as_kubectl(doc, as_json: bool, tmp_path_factory, kustomize) -> None:
    text = json.dumps(doc, ensure_ascii=False) + "\n" if as_json else dump(doc)
    result = kustomize(tmp_path_factory.mktemp("k"), text)
    ours = _lamina(text)
    if result.returncode != 0:
        assert ours is None, f"kubectl refused this input:\n{result.stderr}"
    else:
        assert ours == result.stdout


_folded_lines = st.lists(
    st.sampled_from(["word", "two words", " more", "  deeper", "\tbeat", "", "é x"]),
    min_size=1, max_size=6,
)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(lines=_folded_lines, chomp=st.sampled_from(["", "-", "+"]), tail=st.integers(0, 2))
def test_folded_blocks_as_kubectl_reads_them(lines, chomp, tail, tmp_path_factory, kustomize) -> None:
    # Folded scalars go through go-yaml v3's faulty folded emitter inside Kustomize.
    if not lines[0].strip() or lines[0][0] in " \t":
        lines = ["start", *lines]
    body = "".join(f"    {line}\n" if line else "\n" for line in lines) + "\n" * tail
    text = f"apiVersion: v1\nkind: Probe\nmetadata:\n  name: x\nspec:\n  f: >{chomp}\n{body}  z: 1\n"
    result = kustomize(tmp_path_factory.mktemp("k"), text)
    assert result.returncode == 0, result.stderr
    assert _lamina(text) == result.stdout

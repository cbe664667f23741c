"""helmCharts: local charts rendered through the optional lamina[helm] extra."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lamina.errors import KustomizationError, NotSupportedError
from lamina.kustomize.build import build, render
from lamina.vendor.lock import VendorError
from tests.helpers.trees import write_tree

CHART = {
    "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: \"1.25\"\n"
                             "dependencies:\n- name: cache\n  version: 0.1.0\n",
    "charts/web/values.yaml": "replicas: 1\nport: 8080\nlabels:\n  tier: web\ncache:\n  enabled: true\n",
    "charts/web/templates/_helpers.tpl":
        '{{- define "web.fullname" -}}{{ .Release.Name }}-{{ .Chart.Name }}{{- end -}}\n'
        '{{- define "web.labels" -}}\napp: {{ include "web.fullname" . }}\n'
        '{{- with .Values.labels }}\n{{ toYaml . }}\n{{- end }}\n{{- end -}}\n',
    "charts/web/templates/deployment.yaml":
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"web.fullname\" . }}\n"
        "  labels:\n    {{- include \"web.labels\" . | nindent 4 }}\nspec:\n"
        "  replicas: {{ .Values.replicas }}\n  template:\n    spec:\n      containers:\n"
        "      - name: web\n        image: \"nginx:{{ .Chart.AppVersion }}\"\n"
        "        ports:\n        - containerPort: {{ .Values.port }}\n",
    "charts/web/templates/NOTES.txt": "Thanks for installing {{ .Release.Name }}\n",
    "charts/web/charts/cache/Chart.yaml": "apiVersion: v2\nname: cache\nversion: 0.1.0\n",
    "charts/web/charts/cache/values.yaml": "size: 64\n",
    "charts/web/charts/cache/templates/cm.yaml":
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cache\n"
        "data:\n  size: {{ .Values.size | quote }}\n",
}


def _kustomization(extra: str = "") -> str:
    return ("helmCharts:\n- name: web\n  releaseName: shop\n  valuesInline:\n    replicas: 3\n"
            + extra)


def test_chart_with_include_toyaml_nindent_and_subchart(tmp_path: Path) -> None:
    pytest.importorskip("helm_python")
    write_tree(tmp_path, {**CHART, "kustomization.yaml": _kustomization() + "namespace: prod\n"})
    out = render(build(str(tmp_path)))
    assert "name: shop-web" in out and "replicas: 3" in out          # inline values win
    assert "tier: web" in out and "app: shop-web" in out             # include/toYaml/nindent
    assert "name: shop-cache" in out and 'size: "64"' in out          # subchart
    assert "namespace: prod" in out                                   # kustomization namespace
    assert "Thanks for installing" not in out                         # NOTES.txt dropped


def test_values_merge_merge_keeps_file_values(tmp_path: Path) -> None:
    pytest.importorskip("helm_python")
    write_tree(tmp_path, {**CHART, "kustomization.yaml": _kustomization("  valuesMerge: merge\n")})
    assert "replicas: 1" in render(build(str(tmp_path)))


def test_missing_chart_names_the_path(tmp_path: Path) -> None:
    pytest.importorskip("helm_python")
    write_tree(tmp_path, {"kustomization.yaml": "helmCharts:\n- name: nope\n"})
    with pytest.raises(KustomizationError, match="no chart found"):
        build(str(tmp_path))


def test_remote_chart_is_not_fetched(tmp_path: Path) -> None:
    """A build never pulls: an unpinned remote chart is refused at its `repo:` line."""
    write_tree(tmp_path, {"kustomization.yaml":
                          "helmCharts:\n- name: nope\n  repo: https://charts.example.com\n"})
    with pytest.raises(VendorError, match="run `lamina vendor`") as caught:
        build(str(tmp_path))
    assert (caught.value.source.line, caught.value.source.column) == (3, 9)


def test_without_the_extra_the_error_says_how_to_install(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "helm_python", None)
    write_tree(tmp_path, {**CHART, "kustomization.yaml": _kustomization()})
    with pytest.raises(NotSupportedError, match=r"pip install 'lamina\[helm\]'"):
        build(str(tmp_path))

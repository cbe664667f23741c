"""Reading kustomization files: field checks and Kustomize's legacy-field fix-ups."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.errors import KustomizationError, NotSupportedError
from lamina.kustomize.kustomization import load_kustomization
from lamina.kustomize.loader import FileLoader
from tests.helpers.trees import write_tree


def _load(tmp_path: Path, text: str, name: str = "kustomization.yaml"):
    write_tree(tmp_path, {name: text})
    return load_kustomization(FileLoader.at(str(tmp_path)))


def test_unknown_field_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KustomizationError, match='unknown field "resourcez"'):
        _load(tmp_path, "resourcez: [a.yaml]\n")


def test_field_names_match_case_insensitively_like_go(tmp_path: Path) -> None:
    k = _load(tmp_path, "nameprefix: p-\nresources: [a.yaml]\n")
    assert k.data["namePrefix"] == "p-"


def test_unknown_nested_label_field_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KustomizationError, match="includeVolumeClaimTemplates"):
        _load(tmp_path, "labels:\n- pairs: {a: b}\n  includeVolumeClaimTemplates: true\n")


def test_bases_join_resources_and_image_tags_join_images(tmp_path: Path) -> None:
    k = _load(tmp_path, "resources: [a.yaml]\nbases: [../b]\nimageTags: [{name: x, newTag: '1'}]\n")
    assert k.data["resources"] == ["a.yaml", "../b"]
    assert k.data["images"] == [{"name": "x", "newTag": "1"}]
    assert "bases" not in k.data and "imageTags" not in k.data


def test_empty_kustomization_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KustomizationError, match="empty"):
        _load(tmp_path, "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n")


def test_wrong_component_version(tmp_path: Path) -> None:
    with pytest.raises(KustomizationError, match="apiVersion for Component"):
        _load(tmp_path, "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Component\n"
                        "resources: [a.yaml]\n")


def test_type_errors_name_the_field(tmp_path: Path) -> None:
    with pytest.raises(KustomizationError, match="Kustomization.resources"):
        _load(tmp_path, "resources: a.yaml\n")


def test_lamina_fields_need_the_lamina_api_version(tmp_path: Path) -> None:
    with pytest.raises(KustomizationError, match="lamina.dev/v1alpha1"):
        _load(tmp_path, "values: [values.yaml]\nresources: [a.yaml]\n")
    k = _load(tmp_path, "apiVersion: lamina.dev/v1alpha1\nvalues: [values.yaml]\n")
    assert k.dialect == "lamina"


def test_legacy_helm_generator_spelling_becomes_helm_charts(tmp_path: Path) -> None:
    k = _load(tmp_path, "helmChartInflationGenerator:\n- chartName: x\n  chartHome: c\n")
    assert k.data["helmCharts"] == [{"name": "x"}]
    assert k.data["helmGlobals"] == {"chartHome": "c"}


def test_two_kustomization_files_are_refused(tmp_path: Path) -> None:
    write_tree(tmp_path, {"kustomization.yml": "resources: [a.yaml]\n"})
    with pytest.raises(KustomizationError, match="multiple kustomization files"):
        _load(tmp_path, "resources: [a.yaml]\n")

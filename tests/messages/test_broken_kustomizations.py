"""Broken Kustomize-dialect trees, one mistake at a time (a held-out tester's set): a typo in
every part of a kustomization, and a missing file of every kind.

Each case is checked against the oracle first: where Kustomize fails, `lamina render` must
fail too, with one message naming `prod:` and the file:line(:column) from the project root,
and a remedy; where Kustomize builds, lamina's build must print the same bytes (Go's JSON
decoder matches field names case-insensitively, so `RESOURCES:` is no typo to Kustomize).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from tests.helpers.broken import Break, assert_names_place, project_files, write_broken
from tests.helpers.build import build_in_process
from tests.helpers.cli import KubectlKustomize, run_lamina
from tests.helpers.trees import write_tree

K = "overlays/prod/kustomization.yaml"
MEANT = r'did you mean "{}"\?'
MISSING = r"does not exist: fix the entry or add the (file|folder)"


def typo(old: str, new: str, meant: str, anchor: str = "") -> Break:
    return Break(K, old, new, anchor or new.split("\n")[0].strip("- "), MEANT.format(meant))


def added(text: str, anchor: str, says: str) -> Break:
    """`text` added to prod's kustomization, before generatorOptions."""
    return Break(K, "generatorOptions:", text + "generatorOptions:", anchor, says)


# Kustomize refuses each of these; lamina must name the line and the field meant.
TYPOS = {
    "resources": typo("resources:", "resource:", "resources"),
    "namespace": typo("namespace:", "namspace:", "namespace"),
    "images": typo("images:", "image:", "images"),
    "replicas": typo("replicas:", "replica:", "replicas"),
    "labels": typo("labels:", "label:", "labels"),
    "patches": typo("patches:", "patch:", "patches"),
    "secretGenerator": typo("secretGenerator:", "secretGenerators:", "secretGenerator"),
    "generatorOptions": typo("generatorOptions:", "generatorOption:", "generatorOptions"),
    "components": added("component:\n- ../../c\n", "component:", MEANT.format("components")),
    "crds": added("crd:\n- x.json\n", "crd:", MEANT.format("crds")),
    "patches pach": typo("- path: patches", "- pach: patches", "patch", "pach:"),
    "patches taget": typo("- target:", "- taget:", "target", "taget:"),
    "target kinds": typo("    kind: Deployment", "    kinds: Deployment", "kind", "kinds:"),
    "target nmae": typo("    name: web\n  patch", "    nmae: web\n  patch", "name", "nmae:"),
    "images newTga": typo("newTag:", "newTga:", "newTag"),
    "replicas cout": typo("count: 2", "cout: 2", "count", "cout:"),
    "labels pair": typo("pairs:", "pair:", "pairs"),
    "labels includeSelector": typo("includeSelectors:", "includeSelector:", "includeSelectors"),
    "configMapGenerator literal": typo("literals:", "literal:", "literals"),
    "configMapGenerator file": typo("files:\n", "file:\n", "files", "file:"),
    "generatorOptions disableNameSufixHash": typo("disableNameSuffixHash", "disableNameSufixHash",
                                                  "disableNameSuffixHash"),
    "replacements sourc": added("replacements:\n- sourc: {kind: ConfigMap, name: env-config}\n",
                                "sourc:", MEANT.format("source")),
    "replacements target": added(
        "replacements:\n- source: {kind: ConfigMap, name: env-config, fieldPath: data.DB_HOST}\n"
        "  target:\n  - select: {kind: Deployment}\n", "target:\n  - select", MEANT.format("targets")),
    "replacements fieldPth": added(
        "replacements:\n- source: {kind: ConfigMap, name: env-config, fieldPth: data.DB_HOST}\n",
        "fieldPth", MEANT.format("fieldPath")),
    "replacements selct": added(
        "replacements:\n- source: {kind: ConfigMap, name: env-config, fieldPath: data.DB_HOST}\n"
        "  targets:\n  - selct: {kind: Deployment}\n    fieldPaths: [metadata.annotations.x]\n",
        "selct:", MEANT.format("select")),
    "replacements fieldPath in a target": added(
        "replacements:\n- source: {kind: ConfigMap, name: env-config, fieldPath: data.DB_HOST}\n"
        "  targets:\n  - select: {kind: Deployment}\n    fieldPath: [metadata.annotations.x]\n",
        "fieldPath: [", MEANT.format("fieldPaths")),
    "helmCharts repository": added("helmCharts:\n- name: chart\n  repository: https://x.invalid\n",
                                   "repository:", MEANT.format("repo")),
    "helmCharts valuesFiles": added("helmCharts:\n- name: chart\n  valuesFiles: v.yaml\n",
                                    "valuesFiles:", MEANT.format("valuesFile")),
    "helmCharts releaseNme": added("helmCharts:\n- name: chart\n  releaseNme: x\n",
                                   "releaseNme:", MEANT.format("releaseName")),
    "helmGlobals chartHom": added("helmGlobals:\n  chartHom: charts\n", "chartHom:",
                                  MEANT.format("chartHome")),
    "namespace given a list": Break(K, "namespace: shop-prod", "namespace: [shop-prod]", "namespace:",
                                    "namespace must be a string, not array"),
    "commonLabels value a list": added("commonLabels:\n  app: x\n  env: [a]\n", "env: [a]",
                                       r"commonLabels\.env must be a string, not array"),
    "secretGenerator env given a list": Break(K, "envs:", "env:", "env:", MEANT.format("envs")),
    "crds given a string": added("crds: crd.json\n", "crds:", "crds must be a list of strings"),
    "openapi version and path": added("openapi:\n  version: v1.21.2\n  path: x.json\n", "version: v1.21.2",
                                      "cannot use both\n  give openapi either path:"),
    "a base's kustomization": Break("bases/app/kustomization.yaml", "resources:", "resorces:",
                                    "resorces:", MEANT.format("resources")),
}

MISSING_FILES = {
    "resource folder": Break(K, "- ../../bases/app", "- ../../bases/ap", "../../bases/ap", MISSING),
    "resource file": Break(K, "- ../../bases/app\n", "- ../../bases/app\n- extra.yaml\n",
                           "extra.yaml", MISSING),
    "resource deleted from a base": Break("bases/app/service.yaml", None, "", "service.yaml", MISSING,
                                          at="bases/app/kustomization.yaml"),
    "component": added("components:\n- ../../components/tls\n", "../../components/tls", MISSING),
    "patch file": Break(K, "- path: patches/deploy.yaml", "- path: patches/deploy.yml",
                        "patches/deploy.yml", MISSING),
    "patchesStrategicMerge file": added("patchesStrategicMerge:\n- smp.yaml\n", "smp.yaml", MISSING),
    "patchesJson6902 file": added(
        "patchesJson6902:\n- target: {group: apps, version: v1, kind: Deployment, name: web}\n"
        "  path: missing-ops.yaml\n", "missing-ops.yaml", MISSING),
    "replacements file": added("replacements:\n- path: repl.yaml\n", "repl.yaml", MISSING),
    "configMapGenerator files": Break(K, "- app.properties", "- app.propertis", "app.propertis",
                                      MISSING),
    "configMapGenerator files deleted": Break("overlays/prod/app.properties", None, "",
                                              "app.properties", MISSING, at=K),
    "secretGenerator envs": Break(K, "- secret.env", "- secrets.env", "secrets.env", MISSING),
    "secretGenerator files": Break(K, "  envs:\n  - secret.env", "  files:\n  - tls.crt",
                                   "tls.crt", MISSING),
    "crds": added("crds:\n- crds/missing.json\n", "crds/missing.json", MISSING),
    "openapi path": added("openapi:\n  path: schema/missing.json\n", "schema/missing.json", MISSING),
    "helm chart folder": added("helmCharts:\n- name: chart\n", "- name: chart",
                               r"no chart found at 'charts/chart'.*add the chart folder"),
}

# Files that are not YAML: named at their own line, where the syntax breaks.
NOT_YAML = {
    "a resource": Break("bases/app/deployment.yaml", "  replicas: 1", "  replicas: 1\n bad",
                        "bad", r"invalid YAML: .*fix the syntax on this line"),
    "a patch file": Break("overlays/prod/patches/deploy.yaml", "  name: web", "  name: web\n  - x",
                          "- x", r"unable to parse SM or JSON patch from \[path: \"patches/deploy.yaml\"\]: "
                                 r"invalid YAML: .*fix the syntax on this line"),
    "the kustomization": Break(K, "namespace: shop-prod", "namespace: shop-prod\n  x: [", "  x: [",
                               r"invalid Kustomization: mapping values are not allowed"),
}

# Kustomize accepts these (Go's JSON decoder ignores the case of field names): so must lamina,
# printing the same bytes.
NOT_TYPOS = {
    "RESOURCES": Break(K, "resources:", "RESOURCES:", "", ""),
    "configmapGenerator": Break(K, "configMapGenerator:", "configmapGenerator:", "", ""),
    "images newtag": Break(K, "newTag:", "newtag:", "", ""),
    "images newname": Break(K, 'newTag: "1.27.1"', "newname: registry.example.com/nginx", "", ""),
    "openapi with any key": added("openapi:\n  pth: x.json\n", "", ""),
}


def _check(tmp_path: Path, case: Break, kubectl_kustomize: KubectlKustomize,
           oracle_fails: bool = False) -> None:
    root, files = write_broken(tmp_path / "p", case)
    oracle = kubectl_kustomize(root / "overlays" / "prod")
    assert oracle.returncode == 1 or not oracle_fails, "Kustomize accepts this: not a typo case"
    if oracle.returncode == 0:
        assert build_in_process(root / "overlays" / "prod") == (True, oracle.stdout)
        return
    # One process renders in turn (the pool's path, and its pickled errors, are
    # test_broken_templates.py's): the same message for a third of the CPU.
    proc = run_lamina("render", "--jobs", "1", cwd=root)
    assert proc.returncode == 1, proc.stderr
    assert_names_place(proc.stderr, case, files, "prod" if case.file.startswith("overlays/") else "dev",
                       root)
    assert not (root / "rendered").exists()


@pytest.mark.parametrize("case", sorted(TYPOS))
def test_a_typo_is_named_at_its_line_with_the_field_meant(
        tmp_path: Path, case: str, kubectl_kustomize: KubectlKustomize) -> None:
    _check(tmp_path, TYPOS[case], kubectl_kustomize, oracle_fails=True)


@pytest.mark.parametrize("case", sorted(MISSING_FILES))
def test_a_missing_file_is_named_at_the_line_that_lists_it(
        tmp_path: Path, case: str, kubectl_kustomize: KubectlKustomize) -> None:
    _check(tmp_path, MISSING_FILES[case], kubectl_kustomize)


@pytest.mark.parametrize("case", sorted(NOT_YAML))
def test_a_file_that_is_not_yaml_is_named_at_the_broken_line(
        tmp_path: Path, case: str, kubectl_kustomize: KubectlKustomize) -> None:
    _check(tmp_path, NOT_YAML[case], kubectl_kustomize)


@pytest.mark.parametrize("case", sorted(NOT_TYPOS))
def test_what_kustomize_accepts_builds_the_same_bytes(
        tmp_path: Path, case: str, kubectl_kustomize: KubectlKustomize) -> None:
    root, _files = write_broken(tmp_path / "p", NOT_TYPOS[case])
    oracle = kubectl_kustomize(root / "overlays" / "prod", check=True)
    assert build_in_process(root / "overlays" / "prod") == (True, oracle.stdout)


def test_build_names_the_file_from_where_it_runs_without_an_environment(tmp_path: Path) -> None:
    case = TYPOS["patches pach"]
    root, files = write_broken(tmp_path / "p", case)
    proc = run_lamina("build", "overlays/prod", cwd=root)
    assert proc.returncode == 1
    assert_names_place(proc.stderr, case, files, None, root)


_FIELDS = ("resources", "namespace", "images", "replicas", "labels", "patches",
           "configMapGenerator", "secretGenerator", "generatorOptions")


@st.composite
def misspelled(draw: st.DrawFn) -> tuple[str, str]:
    """(field, a misspelling: one letter dropped, doubled or swapped with the next)."""
    field = draw(st.sampled_from(_FIELDS))
    i = draw(st.integers(0, len(field) - 2))
    how = draw(st.sampled_from(("drop", "double", "swap")))
    if how == "drop":
        wrong = field[:i] + field[i + 1:]
    elif how == "double":
        wrong = field[:i] + field[i] + field[i:]
    else:
        wrong = field[:i] + field[i + 1] + field[i] + field[i + 2:]
    return field, wrong


@settings(max_examples=12)
@given(misspelled())
def test_any_misspelt_field_fails_as_kustomize_fails_at_its_line(
        tmp_path_factory: pytest.TempPathFactory, kubectl_kustomize: KubectlKustomize,
        spelling: tuple[str, str]) -> None:
    field, wrong = spelling
    root = tmp_path_factory.mktemp("typo")
    files = project_files()
    files[K] = files[K].replace(f"\n{field}:", f"\n{wrong}:", 1) if not files[K].startswith(field) \
        else files[K].replace(field, wrong, 1)
    write_tree(root, files)
    oracle = kubectl_kustomize(root / "overlays" / "prod")
    ok, out = build_in_process(root / "overlays" / "prod")
    assert ok == (oracle.returncode == 0), (wrong, out, oracle.stderr)
    if ok:
        assert out == oracle.stdout
        return
    line = files[K].split("\n").index(next(x for x in files[K].split("\n") if x.startswith(f"{wrong}:"))) + 1
    assert f"kustomization.yaml:{line}:1: unknown field \"{wrong}\"" in out, out
    assert "did you mean" in out or "valid fields" in out, out

"""Deliver 2-7: Kustomize's failures made actionable, paths from the project root with the
environment, render's warnings, dialect hints, -o, and the text of values errors."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tests.helpers.trees import write_tree
from tests.helpers.messages import LK, run_cli

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"


# ---- 2. Kustomize's failures --------------------------------------------------------------

def test_an_unknown_field_names_its_line_and_the_closest_field(tmp_path: Path) -> None:
    write_tree(tmp_path, {"overlays/prod/kustomization.yaml": "namespace: x\nresource:\n  - cm.yaml\n",
                          "overlays/prod/cm.yaml": CM})
    code, _out, err = run_cli("build", "overlays/prod", cwd=tmp_path)
    assert code == 1
    first, second = err.strip().splitlines()
    assert first == ('Error: overlays/prod/kustomization.yaml:2:1: unknown field "resource" in the '
                     'kustomization; did you mean "resources"?')
    assert second == '  (kustomize: invalid Kustomization: json: unknown field "resource")'


def test_an_unknown_field_inside_an_entry(tmp_path: Path) -> None:
    write_tree(tmp_path, {"kustomization.yaml": "resources: [cm.yaml]\npatches:\n  - pth: p.yaml\n",
                          "cm.yaml": CM})
    code, _out, err = run_cli("build", ".", cwd=tmp_path)
    assert code == 1
    assert err.startswith('Error: kustomization.yaml:3:5: unknown field "pth" in a patches entry; '
                          'did you mean "path"?')


def test_a_missing_resource_names_the_line_that_lists_it(tmp_path: Path) -> None:
    write_tree(tmp_path, {"base/kustomization.yaml": "resources:\n  - cm.yaml\n  - gone.yaml\n",
                          "base/cm.yaml": CM, "kustomization.yaml": "resources: [base]\n"})
    code, _out, err = run_cli("build", ".", cwd=tmp_path)
    assert code == 1
    lines = err.strip().splitlines()
    assert lines[0] == ("Error: base/kustomization.yaml:3:5: file or folder 'gone.yaml' does not exist: "
                        "fix the entry or add the file or folder")
    assert lines[1].startswith("  (kustomize: accumulating resources: accumulation err=")


def test_a_missing_patch_and_a_missing_generator_file_name_their_entries(tmp_path: Path) -> None:
    write_tree(tmp_path, {"kustomization.yaml": "resources: [cm.yaml]\npatches:\n  - path: p.yaml\n",
                          "cm.yaml": CM})
    code, _out, err = run_cli("build", ".", cwd=tmp_path)
    assert code == 1
    assert err.startswith("Error: kustomization.yaml:3:11: file 'p.yaml' does not exist: fix the entry "
                          "or add the file\n  (kustomize: open ")
    write_tree(tmp_path, {"kustomization.yaml": "configMapGenerator:\n  - name: c\n    envs: [a.env]\n"})
    code, _out, err = run_cli("build", ".", cwd=tmp_path)
    assert code == 1
    assert err.startswith("Error: kustomization.yaml:3:12: file 'a.env' does not exist")


# ---- 3. paths from the project root, environment first ------------------------------------

def test_render_names_the_environment_and_the_file_from_the_project_root(project: Path) -> None:
    (project / "overlays/dev/kustomization.yaml").write_text(LK + "values: [values.yaml]\nresourcez:\n  - ../../base\n")
    code, _out, err = run_cli("render", cwd=project)
    assert code == 1
    assert err.startswith('Error: dev: overlays/dev/kustomization.yaml:4:1: unknown field "resourcez" '
                          'in the kustomization; did you mean "resources"?')


def test_show_origin_names_files_from_where_lamina_runs(project: Path) -> None:
    code, out, err = run_cli("values", "overlays/prod", "--show-origin", cwd=project)
    assert code == 0, err
    assert out.splitlines() == ["name: web  # overlays/prod/values.yaml:1:1",
                                "replicas: 2  # overlays/prod/values.yaml:2:1"]


# ---- 4. render shows what check shows -----------------------------------------------------

def test_render_prints_warnings_grouped_with_a_count(project: Path) -> None:
    tpl = project / "base/deployment.yaml.j2"
    assert "livenessProbe" not in tpl.read_text()
    code, _out, err = run_cli("render", cwd=project, env={"CI": "1"})
    assert code == 0, err
    lines = err.splitlines()
    # hardening's warning-level options (the default service account, no
    # readOnlyRootFilesystem) add 2 warnings per environment to probes' 2.
    assert lines[0] == "6 warnings (lamina check shows them too; --quiet hides them):"
    assert lines[1] == "  [hardening] 4:"
    probes = lines.index("  [probes] 2:")
    assert lines[probes + 1] == ("    base/deployment.yaml.j2:16: dev Deployment/web: container "
                                 "'web' has no livenessProbe and no readinessProbe")
    assert "checks passed on 2 resources: 0 errors, 6 warnings" in lines[-1]
    code, _out, err = run_cli("render", "--all", "--quiet", cwd=project, env={"CI": "1"})
    assert code == 0, err
    assert len(err.strip().splitlines()) == 1 and "0 errors, 6 warnings" in err


# ---- 5. dialect hints ---------------------------------------------------------------------

def test_a_template_in_a_kustomize_dialect_kustomization_gets_a_hint(tmp_path: Path) -> None:
    write_tree(tmp_path, {"kustomization.yaml": "resources:\n  - cm.yaml.j2\n",
                          "cm.yaml.j2": "{% set x = 1 %}\n" + CM})
    code, _out, err = run_cli("build", ".", cwd=tmp_path)
    assert code == 1
    assert err.startswith("Error: cm.yaml.j2:1:2: invalid YAML")
    assert ("hint: cm.yaml.j2 is a template, but kustomization.yaml is in Kustomize's dialect, which "
            "does not render templates: set `apiVersion: lamina.dev/v1alpha1`") in err


def test_values_without_the_lamina_api_version_gets_a_hint(tmp_path: Path) -> None:
    write_tree(tmp_path, {"kustomization.yaml": "resources: [cm.yaml]\nvalues: [values.yaml]\n",
                          "cm.yaml": CM, "values.yaml": "a: 1\n"})
    code, _out, err = run_cli("build", ".", cwd=tmp_path)
    assert code == 1
    assert err.startswith("Error: kustomization.yaml:2:1: unknown field \"values\" in the kustomization; "
                          "'values' is a lamina field: set apiVersion: lamina.dev/v1alpha1")


# ---- 6. -o --------------------------------------------------------------------------------

def test_dash_o_makes_missing_folders_and_uses_the_umask(tmp_path: Path) -> None:
    write_tree(tmp_path, {"overlays/prod/kustomization.yaml": "resources: [cm.yaml]\n",
                          "overlays/prod/cm.yaml": CM})
    old = os.umask(0o022)
    try:
        code, _out, err = run_cli("build", "overlays/prod", "-o", "out/", cwd=tmp_path)
        assert code == 0, err
        written = tmp_path / "out" / "v1_configmap_cm.yaml"
        assert written.read_text() == CM
        assert stat.S_IMODE(written.stat().st_mode) == 0o644
        code, _out, err = run_cli("build", "overlays/prod", "-o", "deep/er/all.yaml", cwd=tmp_path)
        assert code == 0, err
        assert (tmp_path / "deep/er/all.yaml").read_text() == CM
    finally:
        os.umask(old)
    (tmp_path / "afile").write_text("")
    code, _out, err = run_cli("build", "overlays/prod", "-o", "afile/", cwd=tmp_path)
    assert code == 1
    assert err == ("Error: afile: is a file, not a folder: choose another -o path, or drop the trailing / "
                   "to write one file\n")


# ---- 7. values and error text -------------------------------------------------------------

def test_schema_errors_use_yaml_spellings(project: Path) -> None:
    write_tree(project, {"base/kustomization.yaml": LK + "resources:\n  - deployment.yaml.j2\n"
                                                         "valuesSchema: schema.yaml\n",
                         "base/schema.yaml": "type: object\nproperties:\n  replicas: {type: integer}\n"})
    code, _out, err = run_cli("build", "overlays/prod", "--set", "replicas=true", cwd=project)
    assert code == 1
    assert err == "Error: --set: replicas must be integer, got boolean true: fix the value here (or the schema)\n"


def test_a_bad_set_value_names_its_flag_once(project: Path) -> None:
    code, _out, err = run_cli("build", "overlays/prod", "--set", "x=[a", cwd=project)
    assert code == 1
    assert err.startswith("Error: --set 'x=[a': invalid YAML value")
    assert err.count("--set") == 1


def test_publish_and_diff_outside_a_git_repository(project: Path) -> None:
    code, _out, err = run_cli("publish", cwd=project, env={"GIT_CEILING_DIRECTORIES": str(project.parent)})
    assert code == 1
    assert "is not inside a git repository: run lamina from a clone of your repository" in err
    assert "no commits yet" not in err
    code, _out, err = run_cli("diff", cwd=project, env={"GIT_CEILING_DIRECTORIES": str(project.parent)})
    assert code == 1
    assert "is not inside a git repository and has no rendered/ folder; run `lamina render` first" in err

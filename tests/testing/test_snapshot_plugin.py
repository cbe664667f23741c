"""The lamina pytest plugin, run inside throwaway pytest sessions (pytester).

Each test gets its own rootdir, so the snapshot folder it creates and checks is private.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

TEXT_TEST = """
def test_config(lamina_snapshot):
    lamina_snapshot.assert_match("port: 8080\\n", "dev/config")
"""

KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: shop-dev
resources:
  - resources.yaml
"""

RESOURCES = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  PORT: "8080"
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 8080
"""

BUILD_TEST = """
def test_dev(lamina_snapshot):
    lamina_snapshot.assert_build("overlays/dev")
"""


@pytest.fixture
def session(pytester: pytest.Pytester) -> pytest.Pytester:
    """A rootdir of its own (the ini file pins it) with lamina's plugin loaded."""
    pytester.makeini("[pytest]\n")
    return pytester


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # A fresh interpreter per session: syrupy and lamina keep per-process state. Hypothesis's
    # plugin alone would double the start-up time, and no inner session needs it.
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:hypothesispytest",
                                         *args)


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_missing_snapshot_fails(session: pytest.Pytester) -> None:
    session.makepyfile(test_config=TEXT_TEST)
    result = _run(session)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*snapshots/dev/config.yaml:*", "*does not exist*"])
    assert not (session.path / "snapshots").exists()


def test_update_writes_plain_yaml_then_passes(session: pytest.Pytester) -> None:
    session.makepyfile(test_config=TEXT_TEST)
    _run(session, "--snapshot-update").assert_outcomes(passed=1)
    written = session.path / "snapshots" / "dev" / "config.yaml"
    assert written.read_text(encoding="utf-8") == "port: 8080\n"
    assert sorted(p.name for p in session.path.rglob("*.yaml")) == ["config.yaml"]
    _run(session).assert_outcomes(passed=1)


def test_changed_output_fails_with_a_diff(session: pytest.Pytester) -> None:
    session.makepyfile(test_config=TEXT_TEST)
    _write(session.path, {"snapshots/dev/config.yaml": "port: 9090\n"})
    result = _run(session)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*snapshots/dev/config.yaml:*", "*port: 9090*", "*port: 8080*"])


def test_unused_snapshot_fails_the_run(session: pytest.Pytester) -> None:
    session.makepyfile(test_config=TEXT_TEST)
    _write(session.path, {"snapshots/dev/config.yaml": "port: 8080\n",
                          "snapshots/dev/orphan.yaml": "old: true\n"})
    result = _run(session)
    result.assert_outcomes(passed=1)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*1 snapshot unused*"])


def test_update_deletes_unused_snapshots_and_empty_folders(session: pytest.Pytester) -> None:
    session.makepyfile(test_config=TEXT_TEST)
    _write(session.path, {"snapshots/dev/config.yaml": "port: 8080\n",
                          "snapshots/prod/orphan.yaml": "old: true\n"})
    result = _run(session, "--snapshot-update")
    assert result.ret == 0
    assert not (session.path / "snapshots" / "prod").exists()
    assert (session.path / "snapshots" / "dev" / "config.yaml").exists()
    _run(session).assert_outcomes(passed=1)


def test_foreign_file_in_snapshot_folder_is_unused(session: pytest.Pytester) -> None:
    session.makepyfile(test_config=TEXT_TEST)
    _write(session.path, {"snapshots/dev/config.yaml": "port: 8080\n",
                          "snapshots/README.md": "notes\n"})
    result = _run(session)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*unused*"])


def test_narrowed_run_leaves_other_snapshots_alone(session: pytest.Pytester) -> None:
    session.makepyfile(test_config=TEXT_TEST, test_other="def test_other():\n    pass\n")
    _write(session.path, {"snapshots/dev/config.yaml": "port: 8080\n"})
    result = _run(session, "test_other.py", "--snapshot-update")
    assert result.ret == 0
    assert (session.path / "snapshots" / "dev" / "config.yaml").exists()


def test_snapshot_dir_is_configurable(session: pytest.Pytester) -> None:
    session.makeini("[pytest]\nlamina_snapshot_dir = tests/rendered\n")
    session.makepyfile(test_config=TEXT_TEST)
    _run(session, "--snapshot-update").assert_outcomes(passed=1)
    assert (session.path / "tests" / "rendered" / "dev" / "config.yaml").exists()


def test_objects_are_written_as_kustomize_writes_them(session: pytest.Pytester) -> None:
    session.makepyfile(test_obj="""
        def test_obj(lamina_snapshot):
            lamina_snapshot.assert_match({"b": [1, 2], "a": "x"}, "obj")
    """)
    _run(session, "--snapshot-update").assert_outcomes(passed=1)
    assert (session.path / "snapshots" / "obj.yaml").read_text() == "a: x\nb:\n- 1\n- 2\n"


def test_build_writes_one_file_per_resource(session: pytest.Pytester) -> None:
    session.makepyfile(test_overlay=BUILD_TEST)
    _write(session.path, {"overlays/dev/kustomization.yaml": KUSTOMIZATION,
                          "overlays/dev/resources.yaml": RESOURCES})
    _run(session, "--snapshot-update").assert_outcomes(passed=1)
    folder = session.path / "snapshots" / "dev"
    assert sorted(p.name for p in folder.iterdir()) == ["v1_configmap_settings.yaml",
                                                         "v1_service_web.yaml"]
    assert "namespace: shop-dev" in (folder / "v1_service_web.yaml").read_text()
    _run(session).assert_outcomes(passed=1)


def test_build_reports_every_changed_resource(session: pytest.Pytester) -> None:
    session.makepyfile(test_overlay=BUILD_TEST)
    _write(session.path, {"overlays/dev/kustomization.yaml": KUSTOMIZATION,
                          "overlays/dev/resources.yaml": RESOURCES})
    _run(session, "--snapshot-update").assert_outcomes(passed=1)
    (session.path / "overlays/dev/resources.yaml").write_text(RESOURCES.replace("8080", "9090"))
    result = _run(session)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*snapshots/dev/v1_configmap_settings.yaml:*"])
    result.stdout.fnmatch_lines(["*snapshots/dev/v1_service_web.yaml:*"])


def test_build_with_a_removed_resource_leaves_an_unused_snapshot(session: pytest.Pytester) -> None:
    session.makepyfile(test_overlay=BUILD_TEST)
    _write(session.path, {"overlays/dev/kustomization.yaml": KUSTOMIZATION,
                          "overlays/dev/resources.yaml": RESOURCES})
    _run(session, "--snapshot-update").assert_outcomes(passed=1)
    (session.path / "overlays/dev/resources.yaml").write_text(RESOURCES.split("---\n")[0])
    result = _run(session)
    result.assert_outcomes(passed=1)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*1 snapshot unused*"])


def test_build_options_reach_the_templates(session: pytest.Pytester) -> None:
    session.makepyfile(test_overlay="""
        from lamina.kustomize.build import BuildOptions
        from lamina.kustomize.dialect import ValuesOptions

        def test_dev(lamina_snapshot):
            options = BuildOptions(values=ValuesOptions(sets=("port=9090",)))
            lamina_snapshot.assert_build("overlays/dev", options=options)
    """)
    _write(session.path, {
        "overlays/dev/kustomization.yaml": "apiVersion: lamina.dev/v1alpha1\n"
                                           "kind: Kustomization\nvalues:\n- values.yaml\n"
                                           "resources:\n- service.yaml.j2\n",
        "overlays/dev/values.yaml": "port: 8080\n",
        "overlays/dev/service.yaml.j2": "apiVersion: v1\nkind: Service\nmetadata:\n"
                                        "  name: web\nspec:\n  ports:\n"
                                        "  - port: {{ values.port }}\n",
    })
    _run(session, "--snapshot-update").assert_outcomes(passed=1)
    written = (session.path / "snapshots/dev/v1_service_web.yaml").read_text()
    assert "port: 9090" in written

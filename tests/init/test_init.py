"""`lamina init`: an empty folder gets a working project; an existing Kustomize repository,
whatever its layout, gets a lamina.yaml that renders, and no existing file changes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from lamina.cli.main import cli
from lamina.project.config import load_project
from tests.helpers.trees import write_tree
from tests.init import layouts
from tests.helpers.git import git


def run(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".git" not in p.parts}


def envs_of(root: Path) -> list[tuple[str, str]]:
    return [(e.name, e.overlay) for e in load_project(str(root)).environments]


def test_empty_folder_gets_a_project_that_renders(tmp_path: Path) -> None:
    code, out = run("init", str(tmp_path), "--yes")
    assert code == 0, out
    for rel in ("lamina.yaml", ".gitignore", "base/kustomization.yaml", "pytest.ini",
                "overlays/dev/kustomization.yaml", "overlays/staging/kustomization.yaml",
                "overlays/prod/kustomization.yaml", "tests/test_rendered.py",
                ".github/workflows/lamina.yml"):
        assert (tmp_path / rel).is_file(), rel
    assert envs_of(tmp_path) == [("dev", "overlays/dev"), ("staging", "overlays/staging"),
                                 ("prod", "overlays/prod")]
    assert "/rendered/" in (tmp_path / ".gitignore").read_text().splitlines()
    code, out = run("render", "--project", str(tmp_path))
    assert code == 0, out
    assert (tmp_path / "rendered/prod/hello-prod/deployment-hello.yaml").is_file()
    code, out = run("check", "--project", str(tmp_path))
    assert code == 0, out
    workflow = yaml.safe_load((tmp_path / ".github/workflows/lamina.yml").read_text())
    step = workflow["jobs"]["lamina"]["steps"][1]
    assert step["with"] == {"mode": "rendered-branch"} and step["uses"].startswith("lamina-dev/")


LAYOUTS = {
    "podinfo": (layouts.PODINFO, [("default", "kustomize")]),
    "microservices-demo": (layouts.MICROSERVICES, [
        ("default", "kustomize"), ("tests-branding", "kustomize/tests/branding"),
        ("tests-network-policies", "kustomize/tests/network-policies")]),
    "flux": (layouts.FLUX, [("production", "apps/production"), ("staging", "apps/staging"),
                            ("infrastructure-controllers", "infrastructure/controllers")]),
    "argocd-example-apps": (layouts.ARGOCD_EXAMPLES, [("kustomize-guestbook", "kustomize-guestbook")]),
    "clusters": (layouts.CLUSTERS, [
        ("eu-west-prod", "clusters/eu-west/prod"), ("eu-west-staging", "clusters/eu-west/staging"),
        ("us-east-prod", "clusters/us-east/prod"), ("us-east-staging", "clusters/us-east/staging")]),
    "apps-overlays": (layouts.APPS, [
        ("cart-dev", "apps/cart/overlays/dev"), ("cart-prod", "apps/cart/overlays/prod"),
        ("shop-dev", "apps/shop/overlays/dev"), ("shop-prod", "apps/shop/overlays/prod")]),
    "podinfo-deploy": (layouts.PODINFO_DEPLOY, [("webapp", "deploy/webapp")]),
    "envs": (layouts.ENVS, [("live", "k8s/envs/live"), ("qa", "k8s/envs/qa")]),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_existing_layout_gets_environments_that_render(tmp_path: Path, layout: str) -> None:
    files, expected = LAYOUTS[layout]
    write_tree(tmp_path, files)
    (tmp_path / ".gitignore").write_text("*.tmp\n")
    before = snapshot(tmp_path)
    code, out = run("init", str(tmp_path), "--yes", "--ci", "github")
    assert code == 0, out
    assert envs_of(tmp_path) == expected
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if k in before} == before, "an existing file changed"
    assert set(after) - set(before) == {"lamina.yaml", ".github/workflows/lamina.yml"}
    assert "kept .gitignore: add the line /rendered/" in out
    code, out = run("render", "--project", str(tmp_path))
    assert code == 0, out
    for name, _overlay in expected:
        assert (tmp_path / "rendered" / name / "kustomization.yaml").is_file()


def test_checks_that_fail_on_existing_manifests_are_lowered_to_warnings(tmp_path: Path) -> None:
    write_tree(tmp_path, layouts.PODINFO)
    code, out = run("init", str(tmp_path), "--yes")
    assert code == 0, out
    config = yaml.safe_load((tmp_path / "lamina.yaml").read_text())
    lowered = config["checks"]["rules"]
    assert lowered["image-tag"] == {"level": "warning"}     # :latest
    assert "check image-tag: " in out and "set to warn" in out
    code, out = run("check", "--project", str(tmp_path))
    assert code == 0 and "image-tag" in out


def test_an_environment_that_does_not_build_is_left_out_with_the_reason(tmp_path: Path) -> None:
    write_tree(tmp_path, layouts.ENVS)
    code, out = run("init", str(tmp_path), "--yes")
    assert code == 0, out
    text = (tmp_path / "lamina.yaml").read_text()
    assert "# not added: k8s/envs/remote (" in text
    assert "left out k8s/envs/remote:" in out


def test_refuses_when_lamina_yaml_exists(tmp_path: Path) -> None:
    write_tree(tmp_path, {**layouts.CLUSTERS, "lamina.yaml": "kind: Project\n"})
    before = snapshot(tmp_path)
    code, out = run("init", str(tmp_path), "--yes")
    assert code == 1
    assert "lamina.yaml already exists" in out
    assert snapshot(tmp_path) == before


def test_sample_files_already_there_are_refused_and_nothing_is_left(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pytest.ini": "[pytest]\n", "notes.txt": "x\n"})
    before = snapshot(tmp_path)
    code, out = run("init", str(tmp_path), "--yes")
    assert code == 1 and "pytest.ini already exist" in out
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "pytest.ini"]


def test_existing_ci_file_is_kept(tmp_path: Path) -> None:
    write_tree(tmp_path, {**layouts.CLUSTERS, ".gitlab-ci.yml": "test:\n  script: [make]\n"})
    before = snapshot(tmp_path)
    code, out = run("init", str(tmp_path), "--yes")          # GitLab, detected
    assert code == 0, out
    assert "kept .gitlab-ci.yml: already exists" in out
    after = snapshot(tmp_path)
    assert set(after) - set(before) == {"lamina.yaml", ".gitignore"}


def test_gitlab_file_in_an_empty_folder(tmp_path: Path) -> None:
    code, out = run("init", str(tmp_path), "--yes", "--ci", "gitlab", "--mode", "committed")
    assert code == 0, out
    ci = yaml.safe_load((tmp_path / ".gitlab-ci.yml").read_text())
    assert ci["variables"]["LAMINA_MODE"] == "committed"
    assert not (tmp_path / ".github").exists()
    assert "rendered" not in (tmp_path / ".gitignore").read_text()


def test_only_chosen_environments(tmp_path: Path) -> None:
    write_tree(tmp_path, layouts.APPS)
    code, out = run("init", str(tmp_path), "--yes", "--env", "shop-prod", "--env", "cart-dev",
                    "--ci", "none")
    assert code == 0, out
    assert envs_of(tmp_path) == [("shop-prod", "apps/shop/overlays/prod"),
                                 ("cart-dev", "apps/cart/overlays/dev")]
    code, out = run("init", str(tmp_path / "apps"), "--yes", "--env", "nope")
    assert code == 1 and "no environment 'nope' was found" in out


def test_committed_mode_stays_up_to_date_across_commits(tmp_path: Path) -> None:
    # Committed output cannot name its own commit: `render --check` passes at the commit
    # that holds the rendered files.
    write_tree(tmp_path, layouts.CLUSTERS)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "sources")
    assert run("init", str(tmp_path), "--yes", "--mode", "committed", "--ci", "none")[0] == 0
    assert load_project(str(tmp_path)).output_committed
    for round in range(2):
        base = tmp_path / "base/deployment.yaml"
        base.write_text(base.read_text().replace(":latest" if round == 0 else ":1.0", ":1.0"
                                                 if round == 0 else ":1.1"))
        code, out = run("render", "--project", str(tmp_path))
        assert code == 0, out
        git(tmp_path, "add", "-A")
        git(tmp_path, "commit", "-qm", f"change {round}")
        code, out = run("render", "--check", "--all", "--project", str(tmp_path))
        assert code == 0, out


def test_no_questions_when_not_a_terminal(tmp_path: Path) -> None:
    write_tree(tmp_path, layouts.CLUSTERS)
    code, out = run("init", str(tmp_path), input="")      # no --yes, stdin not a terminal
    assert code == 0, out
    assert "?" not in out.split("created")[0]
    assert len(envs_of(tmp_path)) == 4


def test_questions_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lamina.cli.init as cli_init
    monkeypatch.setattr(cli_init, "_interactive", lambda: True)
    write_tree(tmp_path, layouts.CLUSTERS)
    code, out = run("init", str(tmp_path), input="eu-west-prod, us-east-prod\ncommitted\nnone\n")
    assert code == 0, out
    assert "Environments to add" in out and "Mode" in out and "CI file" in out
    assert envs_of(tmp_path) == [("eu-west-prod", "clusters/eu-west/prod"),
                                 ("us-east-prod", "clusters/us-east/prod")]
    assert load_project(str(tmp_path)).output_committed
    assert not (tmp_path / ".github").exists()


def test_rendered_output_is_not_taken_for_an_environment(tmp_path: Path) -> None:
    write_tree(tmp_path, layouts.CLUSTERS)
    assert run("init", str(tmp_path), "--yes", "--ci", "none")[0] == 0
    assert run("render", "--project", str(tmp_path))[0] == 0
    (tmp_path / "lamina.yaml").unlink()
    (tmp_path / ".gitignore").unlink()
    assert run("init", str(tmp_path), "--yes", "--ci", "none")[0] == 0
    assert len(envs_of(tmp_path)) == 4

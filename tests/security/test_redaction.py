"""Promise: lamina prints no secret (docs/security.md). Redaction follows the value: every
Secret value, decoded or base64, wherever it was copied, in every format diff and explain
print; a Secret's last-applied-configuration annotation is hidden as Argo CD hides it."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.helpers.trees import write_tree
from tests.helpers.security import run

OLD_PW, NEW_PW = "hunter2-old-password", "correct-horse-battery"
SHORT = "pw1"


def _secret(password: str) -> str:
    applied = json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                          "stringData": {"password": password}})
    encoded = base64.b64encode(password.encode()).decode()
    return (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  annotations:\n"
            f"    kubectl.kubernetes.io/last-applied-configuration: '{applied}'\n"
            f"data:\n  password: {encoded}\n  short: {base64.b64encode(SHORT.encode()).decode()}\n"
            "---\n"
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: copied\ndata:\n"
            f"  plain: {password}\n  url: postgres://app:{password}@db:5432/app\n"
            f"  encoded: {encoded}\n  short: {SHORT}\n  notsecret: pw\n")


@pytest.fixture
def secret_repo(repo: Path) -> Path:
    write_tree(repo, {"overlays/dev/s.yaml": _secret(OLD_PW),
                      "overlays/dev/kustomization.yaml": "resources: [../../base, s.yaml]\n"})
    assert run(repo, "render", "--no-checks").returncode == 0
    write_tree(repo, {"overlays/dev/s.yaml": _secret(NEW_PW)})
    return repo


def _forms(password: str) -> list[str]:
    return [password, base64.b64encode(password.encode()).decode()]


# ---- row: a Secret's value leaks through an annotation ------------------------------------

@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_diff_prints_no_secret_value_in_any_format(secret_repo: Path, fmt: str) -> None:
    proc = run(secret_repo, "diff", "dev", "--format", fmt, "--no-color")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout + proc.stderr
    for secret in _forms(OLD_PW) + _forms(NEW_PW):
        assert secret not in out, (secret, out)
    assert "redacted>" in out                           # markdown escapes the "<"
    assert "last-applied-configuration" in out          # the field is named, not shown


def test_diff_shows_that_a_hidden_value_changed(secret_repo: Path) -> None:
    out = run(secret_repo, "diff", "dev", "--format", "json").stdout
    fields = {f["path"]: f for e in json.loads(out)["environments"] for r in e["resources"]
              for f in r["fields"]}
    assert fields["data.plain"]["old"] == "<redacted>"
    assert fields["data.plain"]["new"] == "<redacted> (changed)"
    assert fields["data.url"]["new"] == "postgres://app:<redacted>@db:5432/app (changed)"


@pytest.mark.parametrize("resource,field", [
    ("Secret/s", "metadata.annotations"),
    ("Secret/s", "metadata"),
    ("Secret/s", "data"),
    ("ConfigMap/copied", "data"),
    ("ConfigMap/copied", "data.url"),
    ("ConfigMap/copied", "data.encoded"),
])
def test_explain_prints_no_secret_value(secret_repo: Path, resource: str, field: str) -> None:
    proc = run(secret_repo, "explain", "dev", resource, field)
    assert proc.returncode == 0, proc.stderr
    for secret in _forms(NEW_PW) + [SHORT]:
        assert secret not in proc.stdout, proc.stdout
    assert "<redacted>" in proc.stdout


def test_short_values_are_redacted_only_where_a_whole_string_equals_them() -> None:
    from lamina.redact import Redactor
    red = Redactor.of([{"kind": "Secret", "stringData": {"a": SHORT}}])
    assert red.value({"x": SHORT, "y": f"{SHORT}-suffix", "z": "pw"}) == \
        {"x": "<redacted>", "y": f"{SHORT}-suffix", "z": "pw"}


def test_redaction_covers_keys_lists_and_base64_of_string_data() -> None:
    from lamina.redact import Redactor
    value = "s3cr3t-value-long"
    red = Redactor.of([{"kind": "Secret", "stringData": {"k": value}}])
    encoded = base64.b64encode(value.encode()).decode()
    shown = red.object({"kind": "ConfigMap", "data": {value: "x", "list": [encoded, 1, None]},
                        "args": [f"--token={value}"]})
    assert value not in json.dumps(shown) and encoded not in json.dumps(shown)

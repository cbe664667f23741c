"""Row: a UTF-16 file with a BOM is refused; Kustomize reads it. lamina must print what
the pinned kubectl kustomize prints, byte for byte, errors included."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.helpers.security import run

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\u00e9 \u4e2d \U0001F600\n"
TWO = CM + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n"
PATCH = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: y\n"

BOMS = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}


def _encode(text: str, codec: str) -> bytes:
    return BOMS[codec] + text.encode(codec)


CASES = {
    "resource": {"kustomization.yaml": "resources: [cm.yaml]\n", "cm.yaml": CM},
    "crlf": {"kustomization.yaml": "resources: [cm.yaml]\n",
             "cm.yaml": CM.replace("\n", "\r\n") + "  block: |\r\n    l1\r\n    l2\r\n"},
    # kyaml splits documents on UTF-8 bytes: a UTF-16 file gives its first document only
    "two documents": {"kustomization.yaml": "resources: [cm.yaml]\n", "cm.yaml": TWO},
    "later document invalid": {"kustomization.yaml": "resources: [cm.yaml]\n",
                               "cm.yaml": "---\n" + CM + "---\n: : bad: [\n"},
    "kustomization and patch": {
        "kustomization.yaml": "resources: [cm.yaml]\npatches:\n- path: patch.yaml\n",
        "cm.yaml": CM, "patch.yaml": PATCH + "---\n" + PATCH.replace("x: y", "z: w")},
}


@pytest.mark.parametrize("codec", sorted(BOMS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_utf16_with_a_bom_builds_as_kustomize_builds_it(tmp_path: Path, kubectl: str,
                                                        case: str, codec: str) -> None:
    for name, text in CASES[case].items():
        (tmp_path / name).write_bytes(_encode(text, codec))
    expected = subprocess.run([kubectl, "kustomize", str(tmp_path)], capture_output=True)
    got = run(tmp_path, "build", ".")
    assert (got.returncode == 0) == (expected.returncode == 0), (got.stderr, expected.stderr)
    assert got.stdout.encode() == expected.stdout


def test_utf16_without_a_bom_fails_as_in_kustomize(tmp_path: Path, kubectl: str) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    (tmp_path / "cm.yaml").write_bytes(CM.encode("utf-16-le"))
    assert subprocess.run([kubectl, "kustomize", str(tmp_path)],
                          capture_output=True).returncode != 0
    proc = run(tmp_path, "build", ".")
    assert proc.returncode == 1 and proc.stderr.startswith("Error: cm.yaml")


def test_broken_utf16_is_one_clear_message(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    (tmp_path / "cm.yaml").write_bytes(b"\xff\xfe" + "a: 1\n".encode("utf-16-le") + b"\x00\xd8")
    proc = run(tmp_path, "build", ".")
    assert proc.returncode == 1 and "UTF-16" in proc.stderr and "Traceback" not in proc.stderr

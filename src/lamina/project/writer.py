"""Writing the rendered tree safely: a ledger of owned files, pruning, and crash safety.

- lamina records every file it writes in `<output>/.lamina-ledger.json`; a later render
  deletes ledger files it no longer produces and never touches any other file.
- New content is first written to temporary files beside their targets, then a journal
  listing the pending renames is written, then the renames happen, then the journal is
  removed. A render killed at any point leaves either the old tree whole (no journal yet)
  or a journal that the next run completes before doing anything else.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from lamina.errors import LaminaError

LEDGER = ".lamina-ledger.json"
JOURNAL = ".lamina-journal.json"
_TMP_SUFFIX = ".lamina-tmp"


class OutputError(LaminaError):
    """The output folder cannot be written or is in a state lamina will not touch."""


@dataclass(frozen=True)
class WriteResult:
    written: tuple[str, ...]     # files whose content changed or that are new
    removed: tuple[str, ...]     # stale files lamina had written before
    unchanged: int


def _read_json(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else {}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise OutputError(f"{path}: unreadable ({exc}); delete it to start afresh") from None


def _write_json_atomic(path: str, data: dict) -> None:
    tmp = path + _TMP_SUFFIX
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def recover(output: str) -> None:
    """Finish a write that was interrupted after its journal was committed."""
    journal = _read_json(os.path.join(output, JOURNAL))
    if not journal:
        _clean_temporaries(output)
        return
    for rel in journal.get("rename", []):
        tmp = os.path.join(output, rel + _TMP_SUFFIX)
        if os.path.exists(tmp):
            os.replace(tmp, os.path.join(output, rel))
    for rel in journal.get("remove", []):
        _remove(output, rel)
    _write_json_atomic(os.path.join(output, LEDGER), {"files": sorted(journal.get("ledger", []))})
    os.unlink(os.path.join(output, JOURNAL))
    _clean_temporaries(output)


def _clean_temporaries(output: str) -> None:
    if not os.path.isdir(output):
        return
    for dirpath, _dirs, files in os.walk(output):
        for name in files:
            if name.endswith(_TMP_SUFFIX):
                os.unlink(os.path.join(dirpath, name))


def _remove(output: str, rel: str) -> None:
    full = os.path.join(output, rel)
    if os.path.isfile(full):
        os.unlink(full)
    parent = os.path.dirname(full)
    while parent != output and os.path.isdir(parent) and not os.listdir(parent):
        os.rmdir(parent)
        parent = os.path.dirname(parent)


def owned_files(output: str) -> set[str]:
    return set(_read_json(os.path.join(output, LEDGER)).get("files", []))


def diff_tree(output: str, files: dict[str, str], scope: set[str] | None = None) -> list[str]:
    """Paths whose on-disk content differs from `files` (or that are stale), for --check.
    `scope` limits stale-file detection to these top-level folders."""
    changed = []
    for rel, text in sorted(files.items()):
        try:
            with open(os.path.join(output, rel), encoding="utf-8", newline="") as fh:
                if fh.read() != text:
                    changed.append(rel)
        except FileNotFoundError:
            changed.append(rel)
    for rel in sorted(owned_files(output) - set(files)):
        if scope is None or rel.split("/", 1)[0] in scope:
            changed.append(rel)
    return changed


def write_tree(output: str, files: dict[str, str], scope: set[str] | None = None) -> WriteResult:
    """Make `output` hold `files` (relative path -> text). Files lamina wrote before and no
    longer produces are removed when they lie under a top-level folder in `scope` (None:
    everywhere)."""
    os.makedirs(output, exist_ok=True)
    recover(output)
    owned = owned_files(output)
    for rel in files:
        full = os.path.join(output, rel)
        if rel not in owned and os.path.exists(full):
            raise OutputError(
                f"{full} exists but was not written by lamina; move it away or choose another "
                "output folder (lamina never overwrites files it does not own)")
    pending, unchanged = [], 0
    for rel, text in sorted(files.items()):
        full = os.path.join(output, rel)
        try:
            with open(full, encoding="utf-8", newline="") as fh:
                if fh.read() == text:
                    unchanged += 1
                    continue
        except FileNotFoundError:
            pass
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full + _TMP_SUFFIX, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        pending.append(rel)
    stale = sorted(rel for rel in owned - set(files)
                   if scope is None or rel.split("/", 1)[0] in scope)
    ledger = sorted((owned - set(stale)) | set(files))
    if not pending and not stale:
        if sorted(owned) != ledger:
            _write_json_atomic(os.path.join(output, LEDGER), {"files": ledger})
        return WriteResult((), (), unchanged)
    _write_json_atomic(os.path.join(output, JOURNAL),
                       {"rename": pending, "remove": stale, "ledger": ledger})
    recover(output)
    return WriteResult(tuple(pending), tuple(stale), unchanged)

"""Writing the rendered tree safely: a ledger of owned files, pruning, and crash safety.

- lamina records every file it writes in `<output>/.lamina-ledger.json`; a later render
  deletes ledger files it no longer produces and never touches any other file.
- New content is first written to temporary files beside their targets, then a journal
  listing the pending renames is written, then the renames happen, then the journal is
  removed. A render killed at any point leaves either the old tree whole (no journal yet)
  or a journal that the next run completes before doing anything else.
- A target folder that does not exist yet is written whole into a temporary folder beside
  it (`<folder>.lamina-tmp`), which the journal renames into place in one step.
- `lamina render` stages each environment's files in the process that rendered it
  (stage()), then commit() writes the one journal; write_tree() does both for callers
  that hold every file's text.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field

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


def _json_text(data: dict) -> str:
    """json.dumps(data, indent=1, sort_keys=True), byte for byte; a ledger or journal (lists
    of paths under a few keys) goes through the C encoder, which json.dumps only uses when
    it does not indent."""
    if not all(type(k) is str and (type(v) in (bool, str) or
                                   type(v) is list and all(type(x) is str for x in v))
               for k, v in data.items()):
        return json.dumps(data, indent=1, sort_keys=True)
    if not data:
        return "{}"
    parts = []
    for key in sorted(data):
        items = data[key]
        if type(items) is not list:
            value = json.dumps(items)
        elif items:
            value = "[\n  " + json.dumps(items, separators=(",\n  ", ": "))[1:-1] + "\n ]"
        else:
            value = "[]"
        parts.append(" " + json.dumps(key) + ": " + value)
    return "{\n" + ",\n".join(parts) + "\n}"


def _write_json_atomic(path: str, data: dict) -> None:
    tmp = path + _TMP_SUFFIX
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(_json_text(data))
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def recover(output: str, clean: bool = True) -> None:
    """Finish a write that was interrupted after its journal was committed, and remove
    temporaries a killed write left (`clean`; commit() knows it left none)."""
    journal = _read_json(os.path.join(output, JOURNAL))
    if not journal:
        if clean:
            _clean_temporaries(output)
        return
    for rel in journal.get("rename", []):
        tmp = os.path.join(output, rel + _TMP_SUFFIX)
        if os.path.exists(tmp):
            os.replace(tmp, os.path.join(output, rel))
    for rel in journal.get("rename_dirs", []):
        tmp = os.path.join(output, rel + _TMP_SUFFIX)
        if os.path.isdir(tmp):
            _move_dir(tmp, os.path.join(output, rel))
    for rel in journal.get("remove", []):
        _remove(output, rel)
    if not journal.get("ledger_unchanged"):
        _write_json_atomic(os.path.join(output, LEDGER),
                           {"files": sorted(journal.get("ledger", []))})
    os.unlink(os.path.join(output, JOURNAL))
    if clean:
        _clean_temporaries(output)


def _move_dir(tmp: str, final: str) -> None:
    """Rename a staged folder into place; should the place exist by now (something made
    it since the folder was staged), move the files in one by one."""
    try:
        os.rename(tmp, final)
        return
    except OSError:
        if not os.path.isdir(final):
            raise
    for dirpath, _dirs, files in os.walk(tmp):
        target = os.path.join(final, os.path.relpath(dirpath, tmp))
        os.makedirs(target, exist_ok=True)
        for name in files:
            os.replace(os.path.join(dirpath, name), os.path.join(target, name))
    shutil.rmtree(tmp, ignore_errors=True)


def _clean_temporaries(output: str) -> None:
    if not os.path.isdir(output):
        return
    for dirpath, dirs, files in os.walk(output):
        for name in list(dirs):
            if name.endswith(_TMP_SUFFIX):
                shutil.rmtree(os.path.join(dirpath, name), ignore_errors=True)
                dirs.remove(name)
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


# ---- staging in the rendering processes, one commit in the parent ---------------------------

def conflict_message(output: str, rel: str) -> str:
    full = os.path.join(output, rel)
    return (f"{full} exists but was not written by lamina; move it away or choose another "
            "output folder (lamina never overwrites files it does not own)")


@dataclass
class Staged:
    """What stage() left in the output folder for one target, for commit() or discard()."""

    files: list[str] = field(default_factory=list)       # output-relative, staged beside
    folder: str | None = None                            # staged whole as <folder>.lamina-tmp
    folder_files: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)     # folders stage() made, parents first
    unchanged: int = 0
    conflict: str | None = None                          # a file lamina does not own


def _makedirs(path: str, created: list[str]) -> None:
    missing = []
    while not os.path.isdir(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder)
        except FileExistsError:
            continue
        created.append(folder)


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def stage(output: str, prefix: str, files: dict[str, str],
          owned: set[str] | frozenset[str]) -> Staged:
    """Write the files of one target (relative to `output`/`prefix`) that differ from what
    is there, as temporaries, after checking that lamina owns every one that exists. A
    target folder that does not exist yet is staged whole. Nothing is staged when some
    file is not lamina's (Staged.conflict names the first)."""
    out = Staged()
    base = os.path.join(output, prefix) if prefix else output
    names = [f"{prefix}/{rel}" if prefix else rel for rel in files]
    if prefix and not os.path.lexists(base):
        tmp = base + _TMP_SUFFIX
        if os.path.lexists(tmp):
            shutil.rmtree(tmp) if os.path.isdir(tmp) and not os.path.islink(tmp) else os.unlink(tmp)
        try:
            _makedirs(os.path.dirname(tmp), out.created)
            dirs: set[str] = set()
            for rel, text in files.items():
                folder = os.path.dirname(os.path.join(tmp, rel))
                if folder not in dirs:
                    os.makedirs(folder, exist_ok=True)
                    dirs.add(folder)
                _write(os.path.join(tmp, rel), text)
        except BaseException:
            discard(output, out)
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        out.folder = prefix
        out.folder_files = sorted(names)
        return out
    for name in names:
        if name not in owned and os.path.exists(os.path.join(output, name)):
            out.conflict = name
            return out
    known: set[str] = set()
    try:
        for name, text in sorted(zip(names, files.values())):
            full = os.path.join(output, name)
            try:
                with open(full, encoding="utf-8", newline="") as fh:
                    if fh.read() == text:
                        out.unchanged += 1
                        continue
            except FileNotFoundError:
                pass
            folder = os.path.dirname(full)
            if folder not in known:
                _makedirs(folder, out.created)
                known.add(folder)
            _write(full + _TMP_SUFFIX, text)
            out.files.append(name)
    except BaseException:
        discard(output, out)
        raise
    return out


def discard(output: str, *staged: Staged) -> None:
    """Undo stage()s: their temporaries go, then the folders they made (deepest first,
    once all temporaries are gone: stages running side by side share folders)."""
    for one in staged:
        for name in one.files:
            try:
                os.unlink(os.path.join(output, name + _TMP_SUFFIX))
            except OSError:
                pass
        if one.folder is not None:
            shutil.rmtree(os.path.join(output, one.folder + _TMP_SUFFIX), ignore_errors=True)
    made = {folder for one in staged for folder in one.created}
    for folder in sorted(made, key=lambda f: (-f.count(os.sep), f)):
        try:
            os.rmdir(folder)
        except OSError:
            pass


def commit(output: str, staged: list[Staged], produced: list[str], owned: set[str],
           scope: set[str] | None = None) -> WriteResult:
    """Make the staged files the output, with write_tree()'s journal, pruning and ledger:
    `produced` is every file this render made (staged or already up to date)."""
    os.makedirs(output, exist_ok=True)
    pending = sorted(name for s in staged for name in s.files)
    folders = sorted(s.folder for s in staged if s.folder is not None)
    written = sorted(pending + [name for s in staged for name in s.folder_files])
    unchanged = sum(s.unchanged for s in staged)
    made = set(produced)
    stale = sorted(rel for rel in owned - made
                   if scope is None or rel.split("/", 1)[0] in scope)
    ledger = sorted((owned - set(stale)) | made)
    if not pending and not folders and not stale:
        if sorted(owned) != ledger:
            _write_json_atomic(os.path.join(output, LEDGER), {"files": ledger})
        return WriteResult((), (), unchanged)
    journal = {"rename": pending, "remove": stale, "ledger": ledger}
    if folders:
        journal["rename_dirs"] = folders
    if ledger == sorted(owned) and os.path.isfile(os.path.join(output, LEDGER)):
        journal["ledger_unchanged"] = True    # the ledger on disk already says this
    _write_json_atomic(os.path.join(output, JOURNAL), journal)
    # Every temporary this render made is in the journal: nothing else to clean up (the
    # next run's recover() still removes what a killed one leaves).
    recover(output, clean=False)
    return WriteResult(tuple(written), tuple(stale), unchanged)

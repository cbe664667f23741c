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
import warnings
from dataclasses import dataclass, field

from lamina.errors import LaminaError, LaminaWarning
from lamina.fsguard import Folder, PathRefused, WriteFault, is_safe_name

LEDGER = ".lamina-ledger.json"
JOURNAL = ".lamina-journal.json"
_TMP_SUFFIX = ".lamina-tmp"
_JOURNAL_LISTS = ("rename", "rename_dirs", "remove", "ledger")


class OutputError(LaminaError):
    """The output folder cannot be written or is in a state lamina will not touch."""


@dataclass(frozen=True)
class WriteResult:
    written: tuple[str, ...]     # files whose content changed or that are new
    removed: tuple[str, ...]     # stale files lamina had written before
    unchanged: int


def folder_of(output: str | Folder) -> Folder:
    """Every path the writer touches goes through one fsguard.Folder (no links followed,
    nothing outside the folder)."""
    return output if isinstance(output, Folder) else Folder(output)


def _read_json(out: Folder, name: str) -> dict:
    try:
        text = out.read_text(name)
    except PathRefused:
        raise
    if text is None:
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise OutputError(f"{out.shown(name)}: unreadable ({exc}); delete it to start afresh") \
            from None
    return data if isinstance(data, dict) else {}


def _corrupt(out: Folder, name: str, entry: object) -> None:
    warnings.warn(LaminaWarning(
        f"{out.shown(name)} is corrupt: it names {entry!r}, which is not a path inside the "
        "output folder; ignoring the whole file (a pull request may have written it)"),
        stacklevel=3)


def _valid_journal(out: Folder, journal: dict) -> bool:
    """A journal every entry of which is a path inside the output folder; anything else
    is corrupt (said once, then ignored: never acted on)."""
    for key in _JOURNAL_LISTS:
        entries = journal.get(key, [])
        if not isinstance(entries, list):
            _corrupt(out, JOURNAL, entries)
            return False
        for entry in entries:
            if not is_safe_name(entry) or _is_internal(entry):
                _corrupt(out, JOURNAL, entry)
                return False
    return True


def _is_internal(rel: str) -> bool:
    """The ledger and journal themselves are never listed as rendered files."""
    return rel in (LEDGER, JOURNAL)


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


def _write_json_atomic(out: Folder, name: str, data: dict) -> None:
    out.write_atomic(name, _json_text(data) + "\n", durable=True)


def recover(output: str | Folder, clean: bool = True) -> None:
    """Finish a write that was interrupted after its journal was committed, and remove
    temporaries a killed write left (`clean`; commit() knows it left none). A journal
    naming anything outside the folder is corrupt: it is reported and removed, unused."""
    out = folder_of(output)
    journal = _read_json(out, JOURNAL)
    if journal and not _valid_journal(out, journal):
        out.unlink(JOURNAL)
        journal = {}
    if not journal:
        if clean:
            _clean_temporaries(out)
        return
    for rel in journal.get("rename", []):
        if out.lexists(rel + _TMP_SUFFIX):
            out.replace(rel + _TMP_SUFFIX, rel)
    for rel in journal.get("rename_dirs", []):
        if out.is_dir(rel + _TMP_SUFFIX):
            _move_dir(out, rel + _TMP_SUFFIX, rel)
    for rel in journal.get("remove", []):
        _remove(out, rel)
    if not journal.get("ledger_unchanged"):
        _write_json_atomic(out, LEDGER, {"files": sorted(journal.get("ledger", []))})
    out.unlink(JOURNAL)
    if clean:
        _clean_temporaries(out)


def _move_dir(out: Folder, tmp: str, final: str) -> None:
    """Rename a staged folder into place; should the place exist by now (something made
    it since the folder was staged), move the files in one by one."""
    if not out.lexists(final):
        out.replace(tmp, final)
        return
    if not out.is_dir(final):
        raise OutputError(f"{out.shown(final)} is not a folder; move it away")
    for here, _dirs, files in list(out.walk_files(tmp)):
        target = final + here[len(tmp):]
        out.makedirs(target)
        for name in files:
            out.replace(f"{here}/{name}", f"{target}/{name}")
    out.rmtree(tmp)


def _clean_temporaries(out: Folder) -> None:
    if not out.is_dir(""):
        return
    for here, dirs, files in out.walk_files():
        for name in list(dirs):
            if name.endswith(_TMP_SUFFIX):
                out.rmtree(f"{here}/{name}" if here else name)
                dirs.remove(name)
        for name in files:
            if name.endswith(_TMP_SUFFIX):
                out.unlink(f"{here}/{name}" if here else name)


def _remove(out: Folder, rel: str) -> None:
    if out.is_file(rel):
        out.unlink(rel)
    parent = rel.rpartition("/")[0]
    while parent and out.rmdir(parent):     # empty folders up to (not including) the root
        parent = parent.rpartition("/")[0]


def owned_files(output: str | Folder) -> set[str]:
    """The files the ledger says lamina wrote. A ledger naming anything that is not a path
    inside the folder is corrupt: reported, and taken as empty (nothing is owned)."""
    out = folder_of(output)
    files = _read_json(out, LEDGER).get("files", [])
    if not isinstance(files, list):
        _corrupt(out, LEDGER, files)
        return set()
    for entry in files:
        if not is_safe_name(entry) or _is_internal(entry):
            _corrupt(out, LEDGER, entry)
            return set()
    return set(files)


def write_tree(output: str | Folder, files: dict[str, str],
               scope: set[str] | None = None) -> WriteResult:
    """Make `output` hold `files` (relative path -> text). Files lamina wrote before and no
    longer produces are removed when they lie under a top-level folder in `scope` (None:
    everywhere)."""
    out = folder_of(output)
    out.ensure_root()
    recover(out)
    owned = owned_files(out)
    staged = stage(out, "", files, owned)
    if staged.conflict is not None:
        raise OutputError(conflict_message(out, staged.conflict))
    return commit(out, [staged], list(files), owned, scope)


# ---- staging in the rendering processes, one commit in the parent ---------------------------

def conflict_message(output: str | Folder, rel: str) -> str:
    return (f"{folder_of(output).shown(rel)} exists but was not written by lamina; move it "
            "away or choose another output folder (lamina never overwrites files it does not "
            "own)")


@dataclass
class Staged:
    """What stage() left in the output folder for one target, for commit() or discard()."""

    files: list[str] = field(default_factory=list)       # output-relative, staged beside
    folder: str | None = None                            # staged whole as <folder>.lamina-tmp
    folder_files: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)     # folders stage() made, parents first
    unchanged: int = 0
    conflict: str | None = None                          # a file lamina does not own


def stage(output: str | Folder, prefix: str, files: dict[str, str],
          owned: set[str] | frozenset[str]) -> Staged:
    """Write the files of one target (relative to `output`/`prefix`) that differ from what
    is there, as temporaries, after checking that lamina owns every one that exists. A
    target folder that does not exist yet is staged whole. Nothing is staged when some
    file is not lamina's (Staged.conflict names the first)."""
    out = folder_of(output)
    staged = Staged()
    names = [f"{prefix}/{rel}" if prefix else rel for rel in files]
    if prefix and not out.lexists(prefix):
        tmp = prefix + _TMP_SUFFIX
        try:
            out.rmtree(tmp)
            out.makedirs(tmp.rpartition("/")[0], staged.created)
            for rel, text in files.items():
                name = f"{tmp}/{rel}"
                out.makedirs(name.rpartition("/")[0])
                out.write(name, text)
        except BaseException:
            _quietly(out.rmtree, tmp)
            discard(out, staged)
            raise
        staged.folder = prefix
        staged.folder_files = sorted(names)
        return staged
    for name in names:
        if name not in owned and out.lexists(name):
            staged.conflict = name
            return staged
    try:
        for name, text in sorted(zip(names, files.values())):
            if out.read_text(name) == text:
                staged.unchanged += 1
                continue
            out.makedirs(name.rpartition("/")[0], staged.created)
            out.write(name + _TMP_SUFFIX, text)
            staged.files.append(name)
    except BaseException:
        discard(out, staged)
        raise
    return staged


def _quietly(action, *args) -> None:
    try:
        action(*args)
    except (OSError, LaminaError):
        pass


def discard(output: str | Folder, *staged: Staged) -> None:
    """Undo stage()s: their temporaries go, then the folders they made (deepest first,
    once all temporaries are gone: stages running side by side share folders)."""
    out = folder_of(output)
    for one in staged:
        for name in one.files:
            _quietly(out.unlink, name + _TMP_SUFFIX)
        if one.folder is not None:
            _quietly(out.rmtree, one.folder + _TMP_SUFFIX)
    made = {folder for one in staged for folder in one.created}
    for folder in sorted(made, key=lambda f: (-f.count("/") - bool(f), f)):
        _quietly(out.rmdir, folder)


def commit(output: str | Folder, staged: list[Staged], produced: list[str], owned: set[str],
           scope: set[str] | None = None) -> WriteResult:
    """Make the staged files the output, with write_tree()'s journal, pruning and ledger:
    `produced` is every file this render made (staged or already up to date)."""
    out = folder_of(output)
    pending = sorted(name for s in staged for name in s.files)
    folders = sorted(s.folder for s in staged if s.folder is not None)
    written = sorted(pending + [name for s in staged for name in s.folder_files])
    unchanged = sum(s.unchanged for s in staged)
    made = set(produced)
    stale = sorted(rel for rel in owned - made
                   if scope is None or rel.split("/", 1)[0] in scope)
    ledger = sorted((owned - set(stale)) | made)
    try:
        out.ensure_root()
        if not pending and not folders and not stale:
            if sorted(owned) != ledger:
                _write_json_atomic(out, LEDGER, {"files": ledger})
            return WriteResult((), (), unchanged)
        journal: dict = {"rename": pending, "remove": stale, "ledger": ledger}
        if folders:
            journal["rename_dirs"] = folders
        if ledger == sorted(owned) and out.is_file(LEDGER):
            journal["ledger_unchanged"] = True    # the ledger on disk already says this
        _write_json_atomic(out, JOURNAL, journal)
    except BaseException:
        # No journal: the old tree stands whole; the staged temporaries are of no use.
        discard(out, *staged)
        raise
    # Every temporary this render made is in the journal: nothing else to clean up (the
    # next run's recover() still removes what a killed one leaves). A failure from here
    # on leaves the journal, which the next run completes.
    recover(out, clean=False)
    return WriteResult(tuple(written), tuple(stale), unchanged)

"""The build memo: rebuild only the bases that changed since the last build of an overlay.

An overlay of 200 services is 200 `resources:` entries (bases), put through one pipeline:
the overlay's generators, components and transformers. Every step of that pipeline but
the last treats each resource on its own (namespace, prefix, labels, images, replicas,
patches by id or by selector, generator merges), so the pipeline's output for the
resources of one entry depends only on that entry's files and on the pipeline's own files.
The memo keeps, per overlay, each entry's output from the last build (on disk, keyed by
the content of every file that went into it) and, when only some bases changed, runs the
pipeline on those bases plus what the pipeline makes itself (generated resources,
components' resources), then splices in the kept output of the others. The steps that
look across resources all run on the spliced whole, as in a full build: replacements
(the pipeline's last step), then hash suffixes, name references and sorting (build.py).

A partial build is only kept when it provably equals the full one, else lamina builds in
full (which reports Kustomize's exact error, when there is one):
- the pipeline's own files (the overlay's kustomization, patches, components, generator
  inputs) and the list of entries are unchanged, as is the merged field-spec
  configuration the bases declare;
- every lookup that must find exactly one resource (a patch without a target, a
  generator merge), at least one (replicas) or none (a new generated resource) still
  does, counting the kept entries' matches from the last build;
- the spliced resources have unique ids.
Overlays with anything else at their root or in a component (vars, custom transformers
or generators, OpenAPI, build metadata, Helm charts, lamina values or templates) always
build in full.

Records live in the `builds` section of lamina's cache folder (store/folder.py;
`LAMINA_NO_CACHE=1` turns them off), one file per overlay, bound to the overlay's path,
load restrictor and code stamp and checksummed by store/cachefile.py: a record moved into
another overlay's place is a miss. They are read with an unpickler that admits only the
handful of lamina types a record holds. An entry whose output holds a Secret keeps no
output (nothing secret is stored in plaintext) and is rebuilt every time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import pickle
import zlib
from typing import Any, Callable

from lamina.errors import LaminaError
from lamina.kustomize.digests import digest

_MAGIC = b"lamina-build-memo 4\n"
# The reads of an entry whose output is not kept: no file has this digest, so the entry
# always counts as changed.
_NOT_KEPT = (("", ""),)
DEFERRED = ("ReplacementTransformer",)
# A root or component field that makes a build ineligible.
_NOT_AT_ROOT = ("vars", "transformers", "generators", "validators", "helmCharts", "openapi",
                "buildMetadata", "helmChartInflationGenerator")
_NOT_IN_COMPONENT = _NOT_AT_ROOT + ("replacements",)
_NOT_ANYWHERE = ("vars", "openapi", "helmCharts", "helmChartInflationGenerator")


class Fallback(Exception):
    """The partial build cannot be shown equal to a full one: build in full."""


# ---- file digests -----------------------------------------------------------------------

def _digests(paths: set[str]) -> tuple[tuple[str, str], ...] | None:
    out = []
    for path in sorted(paths):
        d = digest(path)
        if d is None:
            return None
        out.append((path, d))
    return tuple(out)


def _unchanged(digests: tuple[tuple[str, str], ...]) -> bool:
    return all(digest(path) == d for path, d in digests)


# ---- the record on disk ------------------------------------------------------------------

_ALLOWED = {
    ("lamina.model.resource", "Resource"), ("lamina.model.resource", "Origin"),
    ("lamina.model.resid", "ResId"), ("lamina.model.resid", "Gvk"),
    ("lamina.errors", "SourceRef"), ("lamina.kustomize.unmatched", "Unmatched"),
    ("lamina.yaml.patch_positions", "PatchedSource"), ("lamina.yaml.patch_positions", "PatchRef"),
    ("lamina.transformers.labels", "EntryMap"), ("lamina.transformers.labels", "SharedNode"),
    ("lamina.yaml.empty_value", "EmptyValueKey"),
    ("lamina.transformers.fieldspecs", "TransformerConfig"),
    ("lamina.transformers.fieldspecs", "FieldSpec"),
    ("lamina.transformers.fieldspecs", "NameBackReference"),
    ("copyreg", "_reconstructor"), ("builtins", "object"), ("builtins", "dict"),
    ("builtins", "str"), ("builtins", "list"), ("builtins", "set"), ("builtins", "frozenset"),
}


class _Unpickler(pickle.Unpickler):
    """Only the types a record holds: nothing else can be constructed while loading."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a build memo")


def _loads(blob: bytes) -> Any:
    return _Unpickler(io.BytesIO(blob)).load()


def _dumps(value: Any) -> bytes:
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


# Everything a record's outputs were computed by: a record made by other code is not used.
_ENGINE = ("kustomize", "transformers", "patch", "generators", "model", "yaml", "templates")


def _record_location(root: str, restrictor: str) -> tuple[str, str]:
    """(the record's file, the key it is bound to)."""
    from lamina.store.codestamp import code_stamp
    from lamina.store.folder import section
    key = f"{code_stamp(*_ENGINE)}\0{os.path.realpath(root)}\0{restrictor}"
    return os.path.join(section("builds"), hashlib.sha256(key.encode()).hexdigest()), key


def _read_record(path: str, key: str) -> dict[str, Any] | None:
    from lamina.store import cachefile
    try:
        payload = cachefile.read_entry(path, _MAGIC, key)
        record = None if payload is None else _loads(zlib.decompress(payload))
    except Exception:       # a damaged or foreign record is only a miss
        return None
    return record if isinstance(record, dict) else None


def _write_record(path: str, key: str, record: dict[str, Any]) -> None:
    from lamina.store import cachefile
    # Compressed (fastest level): a record of a 200-service overlay shrinks from 1.5 MB to
    # about a fifth, and a render writes one per environment next to its output.
    cachefile.write_entry(path, _MAGIC, key, zlib.compress(_dumps(record), 1))


# ---- counting lookups ---------------------------------------------------------------------

class Chunking:
    """Set on the root accumulation's ResMap: each counted lookup of the pipeline (see
    the module docstring) records which entries its matches came from."""

    def __init__(self, partial: bool, entries: dict[int, tuple[Any, int]]):
        self.partial = partial
        self.ops: list[tuple[str, str, dict[Any, int]]] = []
        # id(resource) -> (the resource, the `resources:` entry that brought it in). The
        # memo's own table, so the core Resource carries no memo field; the resource is
        # held so that its id is not reused by another while the build runs.
        self.entries = entries

    def entry_of(self, res: Any) -> int | None:
        held = self.entries.get(id(res))
        return held[1] if held is not None and held[0] is res else None

    def carry(self, old: Any, new: Any) -> None:
        """A generator's merge or replace put `new` in the place of `old`: same entry."""
        entry = self.entry_of(old)
        if entry is not None:
            self.entries[id(new)] = (new, entry)

    def count(self, kind: str, label: str, found: list) -> None:
        tally: dict[Any, int] = {}
        for res in found:
            entry = self.entry_of(res)
            tally[entry] = tally.get(entry, 0) + 1
        self.ops.append((kind, label, tally))


def _lookups_hold(ops: list[tuple[str, str, dict[Any, int]]]) -> bool:
    for kind, _label, tally in ops:
        total = sum(tally.values())
        if kind == "select":    # a targeted patch: any count is Kustomize's (unmatched.py)
            ok = True
        elif kind in ("patch", "generator-merge", "generator-replace"):
            ok = total == 1
        elif kind == "replicas":
            ok = total >= 1
        else:                   # a new generated resource: nothing may have its id
            ok = total == 0
        if not ok:
            return False
    return True


# ---- the plan the root Target follows --------------------------------------------------

class Plan:
    """What Target.accumulate asks of the memo at the root (see target.py)."""

    deferred = DEFERRED

    def __init__(self, record: dict[str, Any] | None, changed: set[int] | None):
        self.record = record            # the last build's, for a partial build
        self.changed = changed          # entries to rebuild; None: a full build
        self.root: Any = None
        self.eligible = True
        self.chunk_reads: dict[int, set[str]] = {}
        self.chunk_configs: dict[int, Any] = {}
        self.chunk_output: dict[int, bytes | None] = {}   # None: holds a Secret, not kept
        self.chunk_unmatched: dict[int, list] = {}
        self.pipeline_config: Any = None
        self.ops: list[tuple[str, str, dict[Any, int]]] = []
        self.walk_reads: set[str] = set()     # what the values walk read (full builds)
        self.entries: dict[int, tuple[Any, int]] = {}   # see Chunking.entries
        self._current: int | None = None
        self._current_config: Any = None

    @property
    def last(self) -> dict[str, Any]:
        """The last build's record; only a partial build (which has one) asks for it."""
        assert self.record is not None
        return self.record

    @property
    def rebuilt(self) -> set[int]:
        """The entries a partial build rebuilds."""
        assert self.changed is not None
        return self.changed

    # -- eligibility, as the build reads each kustomization
    def saw_kustomization(self, k: Any) -> None:
        if k.dialect == "lamina":
            self._ineligible()
        banned = (_NOT_IN_COMPONENT if k.is_component
                  else _NOT_AT_ROOT if self.root is None else _NOT_ANYWHERE)
        if any(k.get(f) for f in banned):
            self._ineligible()

    def _ineligible(self) -> None:
        self.eligible = False
        if self.changed is not None:
            raise Fallback()

    def saw_base(self, target: Any, sub_ra: Any) -> None:
        if target is self.root and self._current is not None:
            self._current_config = sub_ra.config
        if len(sub_ra.vars):
            self._ineligible()

    # -- the entries
    def accumulate_resources(self, target: Any, ra: Any, paths: list[str]) -> None:
        from lamina.transformers.fieldspecs import EMPTY_CONFIG
        self.root = target
        if self.record is not None and [str(p) for p in paths] != self.last["entries"]:
            raise Fallback()
        with ra.resmap.editing():
            for i, path in enumerate(paths):
                if self.changed is not None and i not in self.changed:
                    # Kept: its output is spliced in later; its field specs and its
                    # unmatched patches count now.
                    ra.config = ra.config.merge(self.last["chunks"][i]["config"])
                    ra.unmatched.extend(self.last["chunks"][i]["unmatched"])
                    continue
                reads: set[str] = set()
                saved = target.loader
                target.loader = dataclasses.replace(saved, reads=reads)
                before, unmatched = len(ra.resmap), len(ra.unmatched)
                self._current, self._current_config = i, EMPTY_CONFIG
                try:
                    target._accumulate_each(ra, [path])
                finally:
                    target.loader = saved
                    self._current = None
                for res in ra.resmap.resources()[before:]:
                    self.entries[id(res)] = (res, i)
                self.chunk_reads[i] = reads
                self.chunk_configs[i] = self._current_config
                self.chunk_unmatched[i] = ra.unmatched[unmatched:]
        self.pipeline_config = ra.config
        if self.changed is not None and ra.config != self.last["config"]:
            raise Fallback()
        ra.resmap.chunking = Chunking(self.changed is not None, self.entries)

    # -- the transformers, in two parts
    def wrap_transformers(self, run: Callable[..., None]) -> Callable[[Any, Any], None]:
        """`run` (plugins.run_transformers) as the root's recipe calls it: every step but
        the deferred ones, then after_pipeline, then the deferred ones."""
        def run_in_two_parts(target: Any, ra: Any) -> None:
            run(target, ra, skip=self.deferred)
            self.after_pipeline(ra)
            run(target, ra, only=self.deferred)
        return run_in_two_parts

    # -- before replacements
    def after_pipeline(self, ra: Any) -> None:
        from lamina.model.resmap import ResMap
        chunking, ra.resmap.chunking = ra.resmap.chunking, None
        self.ops = chunking.ops if chunking is not None else []
        counter = chunking or Chunking(False, self.entries)
        own: dict[int, list] = {}
        rest: list[Any] = []
        for res in ra.resmap:
            entry = counter.entry_of(res)
            (own.setdefault(entry, []) if entry is not None else rest).append(res)
        for i in self.chunk_reads:
            output = own.get(i, [])
            self.chunk_output[i] = (None if any(res.kind == "Secret" for res in output)
                                    else _dumps(output))
        if self.changed is None:
            self._unmatched(ra, self.ops)
            return
        # A partial build: splice the kept entries' output back in, in entry order.
        ops = self._merged_ops()
        if ops is None or not _lookups_hold(ops):
            raise Fallback()
        self.ops = ops
        self._unmatched(ra, ops)
        spliced = []
        for i, chunk in enumerate(self.last["chunks"]):
            if i in self.changed:
                spliced.extend(own.get(i, []))
            else:
                spliced.extend(_loads(chunk["output"]))
        spliced.extend(rest)
        try:
            ra.resmap = ResMap(spliced)     # files every id once, refusing duplicates
        except LaminaError:
            raise Fallback() from None

    @staticmethod
    def _unmatched(ra: Any, ops: list[tuple[str, str, dict[Any, int]]]) -> None:
        """The root pipeline's targeted patches that selected nothing in any base."""
        from lamina.kustomize.unmatched import Unmatched
        for kind, label, tally in ops:
            if kind == "select" and not sum(tally.values()):
                ra.unmatched.append(Unmatched.from_label(label))

    def _merged_ops(self) -> list[tuple[str, str, dict[Any, int]]] | None:
        """This build's counts for the rebuilt entries and the generated resources, plus
        the last build's for the kept entries."""
        old = self.last["ops"]
        if len(old) != len(self.ops):
            return None
        merged = []
        for (kind, label, tally), (okind, olabel, otally) in zip(self.ops, old):
            if (kind, label) != (okind, olabel):
                return None
            both = {c: n for c, n in otally.items() if c is not None and c not in self.rebuilt}
            for c, n in tally.items():
                both[c] = both.get(c, 0) + n
            merged.append((kind, label, both))
        return merged


# ---- the entry point --------------------------------------------------------------------

def accumulate(root: str, restrictor: str, load_root: Any, reads: set[str] | None) -> Any:
    """(root Target, its accumulation), through the memo where it applies.
    `load_root(plan, partial)` loads the root Target with a fresh build context whose
    loader records the root's own reads (the values walk is skipped when `partial`).
    `reads`, when given, receives every file the build depends on."""
    path, key = _record_location(root, restrictor)
    record = _read_record(path, key)
    changed = _changed_entries(record)
    if changed is not None:
        plan = Plan(record, changed)
        try:
            target = load_root(plan, True)
            ra = target.accumulate(plan=plan)
            if len(ra.vars) or target.context.state.openapi_declared:
                raise Fallback()
        except (Fallback, LaminaError):
            pass        # build in full below: it reports the exact error, if any
        else:
            if reads is not None:
                reads.update(target.loader.reads or ())
                for i, chunk in enumerate(plan.last["chunks"]):
                    if i in changed:
                        reads.update(plan.chunk_reads.get(i, ()))
                    else:
                        reads.update(p for p, _d in chunk["reads"])
            _store(path, key, plan, record)
            return target, ra
    plan = Plan(None, None)
    target = load_root(plan, False)
    ra = target.accumulate(plan=plan)
    if reads is not None:
        reads.update(target.loader.reads or ())
        reads.update(plan.walk_reads)
        for chunk_reads in plan.chunk_reads.values():
            reads.update(chunk_reads)
    if plan.eligible and not len(ra.vars) and not target.context.state.openapi_declared:
        _store(path, key, plan, None)
    return target, ra


def _changed_entries(record: dict[str, Any] | None) -> set[int] | None:
    """Entries whose files changed since the record, or None when the pipeline itself
    changed (or there is no record): then the build is a full one."""
    if record is None or not _unchanged(record["pipeline_reads"]):
        return None
    return {i for i, chunk in enumerate(record["chunks"]) if not _unchanged(chunk["reads"])}


def _store(path: str, key: str, plan: Plan, old: dict[str, Any] | None) -> None:
    if plan.root is None or not plan.eligible:
        return
    pipeline = set(plan.root.loader.reads or ())
    chunks = []
    # Bases mostly declare the same field specs: one object per distinct config keeps the
    # record small and lets a partial build's merges of them hit TransformerConfig's memo.
    configs: dict[Any, Any] = {}
    by_id: dict[int, Any] = {}

    def intern(config: Any) -> Any:      # hashes each distinct object once
        if id(config) not in by_id:
            by_id[id(config)] = configs.setdefault(config, config)
        return by_id[id(config)]

    for i in range(len(plan.root.kustomization.list("resources"))):
        if i in plan.chunk_reads:
            reads = _digests(plan.chunk_reads[i])
            if reads is None:
                return
            config = plan.chunk_configs[i]
            output = plan.chunk_output[i]
            if output is None:
                reads, output = _NOT_KEPT, _dumps([])
            chunks.append({"reads": reads, "config": intern(config), "output": output,
                           "unmatched": plan.chunk_unmatched.get(i, [])})
        else:       # kept by a partial build, which has the last record
            assert old is not None
            chunk = old["chunks"][i]
            chunks.append({**chunk, "config": intern(chunk["config"])})
    pipeline_reads = _digests(pipeline) if old is None else old["pipeline_reads"]
    if pipeline_reads is None:
        return
    _write_record(path, key, {
        "entries": [str(p) for p in plan.root.kustomization.list("resources")],
        "pipeline_reads": pipeline_reads, "chunks": chunks,
        "config": plan.pipeline_config, "ops": plan.ops,
    })

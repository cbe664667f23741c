"""One target's work in the render engine (project/engine.py): build it, print its files
(from the per-resource cache of project/objcache.py where it can), run every check that
looks at one target, and do what the plan's mode asks with the result. It runs in a worker
process (project/pool.py) or, for a single target, in the parent."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import lamina.yaml
from lamina.checks.base import ERROR, Context, Finding, Obj
from lamina.checks.cross_environment import markers_of
from lamina.checks.gate import environment_markers
from lamina.checks.runner import ObjectFindings, check_context, per_object_key
from lamina.fsguard import Folder
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.policies.loader import for_environment
from lamina.project import objcache
from lamina.project.layout import SourceInfo, environment_files, resource_paths
from lamina.project.plan import CROSS, Job, Mode, Outcome, Owners, Plan, others
from lamina.project.render import options_output, project_relative, render_target
from lamina.project.writer import stage
from lamina.yaml.value_positions import rendering_scope


class Worker:
    """The per-target work, in a worker process or (one job) in the parent."""

    def __init__(self, plan: Plan):
        self.plan = plan
        # index -> (its check context, its pack) for cross(), once every marker is known
        self.kept: dict[int, tuple[Context, Remembered | None]] = {}
        # index -> the key of its renderings (yaml/value_positions.py rendering_scope)
        self.scopes: dict[int, object] = {}

    def render(self, index: int) -> Outcome:
        job = self.plan.jobs[index]

        def finish(resmap: ResMap, inputs: dict[str, str], source: SourceInfo, command: str,
                   unmatched: tuple[Any, ...] = ()) -> Outcome:
            return self._finish(index, job, resmap, inputs, source, command, unmatched)
        # Findings on fields a values file set name that file: this target's, never the
        # values of another target rendered in this process (yaml/value_positions.py).
        # A new key per render: a later render in this process never reads this one's.
        self.scopes[index] = scope = object()
        with rendering_scope(scope):
            return render_target(self.plan.project, job.env, job.path, job.cluster,
                                 self.plan.values, finish)

    def _finish(self, index: int, job: Job, resmap: ResMap, inputs: dict[str, str],
                source: SourceInfo, command: str, unmatched: tuple[Any, ...] = ()) -> Outcome:
        plan, project = self.plan, self.plan.project
        resources = list(resmap)
        if plan.mode is Mode.OBJECTS:
            return Outcome(index, job.path, job.env.name, len(resources), inputs, [],
                           objects=[r.obj for r in resources])
        paths = resource_paths(resources)
        memo = None
        if plan.cache and objcache.enabled():
            memo = Remembered(objcache.Pack(project.root, job.path),
                              [objcache.object_key(r.obj) for r in resources])
        files: dict[str, str] = {}
        if plan.mode is not Mode.FINDINGS:
            # lamina.yaml.dump looked up at each call: tests count the resources printed
            texts = memo.texts(resources) if memo is not None else \
                [lamina.yaml.dump(r.obj) for r in resources]
            files = environment_files(job.path, job.env.overlay, resmap, inputs, source,
                                      command, texts, paths)
        out = Outcome(index, job.path, job.env.name, len(resources), inputs, list(files))

        ctx = None
        if plan.rules is not None:
            ctx = self._context(job, resources, paths, unmatched)
            cached = memo.cached(memo.per_object, per_object_key(ctx, plan.rule_list)) \
                if memo is not None else None
            try:
                if plan.cross:
                    out.markers = {m for o in ctx.objects for m in markers_of(o)}
                part = check_context(ctx, plan.rule_list, cached, skip=frozenset({CROSS}))
                out.checks = part
                if memo is not None:
                    memo.computed(memo.per_object, part.per_object)
                out.failing = any(f.level == ERROR for f in part.ignore_findings) or any(
                    f.level == ERROR for found in part.by_rule.values() for f in found)
            except Exception as exc:
                out.check_error = exc
                out.failing = True
        if plan.cross and out.check_error is None and ctx is not None:
            self.kept[index] = (ctx, memo)
            if plan.expected_owners is not None:
                # A guess: its files are staged whatever it finds (the engine decides).
                out.cross = self.cross(index, others(job.env.name, plan.expected_owners))
        elif memo is not None:
            memo.save()

        if plan.mode is Mode.WRITE:
            if not out.failing:
                out.staged = stage(plan.output, job.path, files, plan.owned)
        elif plan.mode is Mode.CHECK:
            if not out.failing:
                folder = Folder(plan.output)
                out.differences = [f"{job.path}/{rel}" for rel, text in files.items()
                                   if folder.read_text(f"{job.path}/{rel}") != text]
        elif plan.mode is Mode.COLLECT:
            out.texts = files
        return out

    def _context(self, job: Job, resources: list[Resource], paths: list[str],
                 unmatched: tuple[Any, ...]) -> Context:
        plan, project = self.plan, self.plan.project
        objects = tuple(
            Obj(r.obj, project_relative(r.origin.source if r.origin else None, job.env.overlay),
                f"{options_output(project)}/{job.path}/{p}")
            for r, p in zip(resources, paths))
        return Context(environment=job.path, objects=objects,
                       kubernetes_version=job.env.kubernetes_version,
                       own_hosts=tuple(job.env.hosts), external=tuple(project.external),
                       environment_markers=environment_markers(project),
                       allow_plaintext_secrets=job.env.allow_plaintext_secrets,
                       crds=plan.crds, root=project.root, unmatched_patches=unmatched,
                       policies=for_environment(project, job.env),
                       policy_skip=job.env.policies_skip)

    def cross(self, index: int, owners: Owners) -> list[Finding]:
        """The cross-environment findings of a target this worker rendered, given the
        other environments' owners."""
        ctx, memo = self.kept[index]
        ctx = dataclasses.replace(ctx, other_environments=owners)
        cached = None
        if memo is not None:
            cached = memo.cached(memo.cross, per_object_key(ctx, self.plan.rule_list,
                                                           ids=(CROSS,)))
        with rendering_scope(self.scopes.get(index, index)):
            part = check_context(ctx, self.plan.rule_list, cached, only=frozenset({CROSS}),
                                 ids=(CROSS,))
        if memo is not None:
            memo.computed(memo.cross, part.per_object)
            memo.save()
        return part.by_rule.get(CROSS, [])


@dataclass
class Column:
    """One kind of findings of a target's pack: the check configuration it was computed
    for, and each resource's findings found in the pack or computed (None: not run)."""

    slot: objcache.Slot
    config: str | None
    found: list[ObjectFindings | None] | None = None


@dataclass
class Remembered:
    """One target's use of its pack (project/objcache.py): what was found there, what was
    computed, and whether writing the pack back is worth it."""

    pack: objcache.Pack
    keys: list[bytes | None]
    per_object: Column = field(init=False)
    cross: Column = field(init=False)
    missed: int = 0
    changed: bool = False
    printed: list[str] | None = None

    # A pack is written back when more than this share of its entries was computed anew
    # (or its check configuration changed): a few changed resources cost less to print
    # and check again next time than the pack costs to write.
    REWRITE_SHARE = 0.02

    def __post_init__(self) -> None:
        configs = self.pack.keys
        self.per_object = Column(objcache.Slot.PER_OBJECT, configs[objcache.Slot.PER_OBJECT - 1])
        self.cross = Column(objcache.Slot.CROSS, configs[objcache.Slot.CROSS - 1])

    def texts(self, resources: list[Resource]) -> list[str]:
        out = []
        for r, key in zip(resources, self.keys):
            text = self.pack.text(key)
            if text is None:
                text = lamina.yaml.dump(r.obj)
                self.missed += key is not None     # a Secret is never kept
            out.append(text)
        self.printed = out
        return out

    def cached(self, column: Column, config: str | None) -> list[ObjectFindings | None] | None:
        """The findings of `column` the pack holds for configuration `config` (None each
        where it holds none), or None when no check of that kind runs per object."""
        if config is None:
            return None
        if config != column.config:
            column.config = config
            self.changed = True
        found: list[ObjectFindings | None] = [self.pack.findings(key, column.slot, config)
                                              for key in self.keys]
        column.found = found
        return found

    def computed(self, column: Column, fresh: list[ObjectFindings | None] | None) -> None:
        found = column.found
        if found is None:
            return
        if fresh is None:        # not computed object by object: nothing to remember
            self.missed += sum(1 for f in found if f is None)
            return
        for i, f in enumerate(fresh):
            if f is not None:
                found[i] = f
                self.missed += self.keys[i] is not None

    def save(self) -> None:
        pack = self.pack
        if not (self.changed or not pack.entries or
                self.missed > self.REWRITE_SHARE * max(len(self.keys), 1)):
            return
        columns = []
        for column in (self.per_object, self.cross):
            found = column.found
            if found is None:     # not run this time: keep what the pack holds
                found = [pack.findings(key, column.slot, column.config) for key in self.keys]
            columns.append(found)
        texts: list[str | None] = list(self.printed) if self.printed is not None else \
            [pack.text(key) for key in self.keys]   # nothing printed (FINDINGS): keep the pack's
        entries: dict[bytes, objcache.Entry] = {
            key: (text, one, two) for key, text, one, two
            in zip(self.keys, texts, *columns) if key is not None}
        pack.save(entries, (self.per_object.config, self.cross.config))

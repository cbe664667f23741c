"""`lamina render`'s engine: each target is built, printed, checked and staged in the
process that renders it; the parent only gathers what crosses targets.

A render of many environments forks a few worker processes (one per core). A worker
takes the next target, builds it, prints its files (from the per-resource cache of
project/objcache.py where it can), runs every check that looks at one target (all but
cross-environment; per-object checks again from that cache), and then, depending on
the mode:

- WRITE: stages the target's changed files in the output folder (writer.stage: temporary
  files or a temporary folder, nothing visible), unless its checks already failed;
- CHECK: lists the files that differ from the output folder (`render --check`);
- COLLECT: sends the files back (`lamina publish`);
- FINDINGS: nothing but the checks (`lamina check`: no file is printed).

It sends back only what the parent needs: file names, resource count, findings and the
hosts and namespaces its objects use. The objects stay in the worker. Once every target
is done, the parent works out which markers belong to which environment (owners) and
asks the workers to run cross-environment over the targets they hold, with the other
environments' markers. Workers guess those in advance (the owners the last render of
the same targets found) and run cross-environment in their first pass; the parent asks
again only for targets whose markers came out different. Then it gates on the checks and
(WRITE) commits every staged file with one journal (writer.commit), or discards them.
Workers run without the cyclic garbage collector (see _serve).

Errors are reported as a serial render reports them: the first target's build error,
else the checks' configuration error, else the first target's check error, else failed
checks, else the first file lamina does not own.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import os
from dataclasses import dataclass, field
from typing import Any

from lamina.checks.base import ERROR, Context, Finding, Obj
from lamina.checks.gate import environment_markers
from lamina.checks.runner import ContextResult, check_context, merge, per_object_key
from lamina.project.config import Cluster, Environment, Project
from lamina.project.render import RenderOptions, project_relative, options_output, render_target
from lamina.policies.loader import for_environment
from lamina.project.workers import Pool, raise_remote
from lamina.project.writer import Staged, discard, stage

WRITE, CHECK, COLLECT, FINDINGS = "write", "check", "collect", "findings"
CROSS = "cross-environment"


@dataclass(frozen=True)
class Job:
    env: Environment
    path: str
    cluster: Cluster | None


@dataclass
class Plan:
    """Everything the workers need; inherited by fork, never pickled."""

    project: Project
    options: RenderOptions
    jobs: list[Job]
    output: str
    mode: str = WRITE
    owned: frozenset[str] = frozenset()
    rules: list | None = None        # the check rules; None: no checks
    cache: bool = True               # project/objcache.py
    # The owners of hosts and namespaces (cross_environment.owners) the last render of the
    # same targets found: the workers run cross-environment with them right away, and the
    # parent runs it again only for targets whose markers turn out different.
    expected_owners: dict[str, tuple[str, ...]] | None = None
    crds: tuple = ()                 # extra CRDs for the schema check (`check --crd-dir`)

    def others(self, env_name: str, owners: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        return {name: m for name, m in owners.items() if name != env_name}

    @property
    def cross(self) -> bool:
        return self.rules is not None and any(r.enabled and r.check_id == CROSS for r in self.rules)


@dataclass
class Outcome:
    """One rendered target, as the parent sees it."""

    index: int
    path: str
    environment: str
    resource_count: int
    inputs: dict[str, str]
    files: list[str]                                   # relative to <output>/<path>/
    texts: dict[str, str] | None = None                # COLLECT
    differences: list[str] = field(default_factory=list)   # CHECK, output-relative
    staged: Staged | None = None                       # WRITE
    markers: set[str] = field(default_factory=set)     # hosts and namespaces used
    checks: ContextResult | None = None
    check_error: BaseException | None = None
    failing: bool = False                              # its own checks found errors
    cross: list[Finding] | None = None                 # with plan.expected_owners


def file_differs(output: str, rel: str, text: str) -> bool:
    """Whether output-relative `rel` does not hold `text` (read through fsguard: never
    through a link inside the output folder)."""
    from lamina.fsguard import Folder
    return Folder(output).read_text(rel) != text


class Worker:
    """The per-target work, in a worker process or (one job) in the parent."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.kept: dict[int, tuple] = {}     # index -> (context, _Remembered) for cross()

    def render(self, index: int) -> Outcome:
        plan, job = self.plan, self.plan.jobs[index]

        def finish(resmap, inputs, source, command, unmatched=()):
            return self._finish(index, job, resmap, inputs, source, command, unmatched)
        return render_target(plan.project, job.env, job.path, job.cluster, plan.options, finish)

    def _finish(self, index: int, job: Job, resmap, inputs: dict[str, str], source,
                command: str, unmatched: tuple = ()) -> Outcome:
        from lamina.project.layout import environment_files, resource_paths
        from lamina.yaml import dump
        plan, project = self.plan, self.plan.project
        resources = list(resmap)
        paths = resource_paths(resources)
        memo = None
        if plan.cache:
            from lamina.project import objcache
            if objcache.enabled():
                memo = _Remembered(objcache.Pack(project.root, job.path),
                                   [objcache.object_key(r.obj) for r in resources])
        files: dict[str, str] = {}
        if plan.mode != FINDINGS:
            if memo is not None:
                texts = memo.texts(resources, dump)
            else:
                texts = [dump(r.obj) for r in resources]
            files = environment_files(job.path, job.env.overlay, resmap, inputs, source,
                                      command, texts, paths)
        out = Outcome(index, job.path, job.env.name, len(resources), inputs, list(files))

        ctx = None
        if plan.rules is not None:
            objects = tuple(
                Obj(r.obj, project_relative(r.origin.source if r.origin else None, job.env.overlay),
                    f"{options_output(project)}/{job.path}/{p}")
                for r, p in zip(resources, paths))
            ctx = Context(environment=job.path, objects=objects,
                          kubernetes_version=job.env.kubernetes_version,
                          own_hosts=tuple(job.env.hosts), external=tuple(project.external),
                          environment_markers=environment_markers(project),
                          allow_plaintext_secrets=job.env.allow_plaintext_secrets,
                          crds=plan.crds, root=project.root, unmatched_patches=unmatched,
                          policies=for_environment(project, job.env),
                          policy_skip=job.env.policies_skip)
            cached = memo.cached(1, per_object_key(ctx, plan.rules)) if memo is not None else None
            try:
                if plan.cross:
                    from lamina.checks.cross_environment import markers_of
                    out.markers = {m for o in objects for m in markers_of(o)}
                part = check_context(ctx, plan.rules, cached, skip=frozenset({CROSS}))
                out.checks = part
                if memo is not None:
                    memo.computed(1, part.per_object)
                out.failing = any(f.level == ERROR for f in part.ignore_findings) or any(
                    f.level == ERROR for found in part.by_rule.values() for f in found)
            except Exception as exc:
                out.check_error = exc
                out.failing = True
        if plan.cross and out.check_error is None:
            self.kept[index] = (ctx, memo)
            if plan.expected_owners is not None:
                # A guess: its files are staged whatever it finds (execute() decides).
                out.cross = self._cross(index, plan.others(job.env.name, plan.expected_owners))
        elif memo is not None:
            memo.save()

        if plan.mode == WRITE:
            if not out.failing:
                out.staged = stage(plan.output, job.path, files, plan.owned)
        elif plan.mode == FINDINGS:
            pass
        elif plan.mode == CHECK:
            if not out.failing:
                from lamina.fsguard import Folder
                folder = Folder(plan.output)
                out.differences = [f"{job.path}/{rel}" for rel, text in files.items()
                                   if folder.read_text(f"{job.path}/{rel}") != text]
        else:
            out.texts = files
        return out

    def cross(self, index: int, others: dict[str, tuple[str, ...]]) -> list[Finding]:
        return self._cross(index, others)

    def _cross(self, index: int, others: dict[str, tuple[str, ...]]) -> list[Finding]:
        ctx, memo = self.kept[index]
        ctx = dataclasses.replace(ctx, other_environments=others)
        cached = None
        if memo is not None:
            cached = memo.cached(2, per_object_key(ctx, self.plan.rules, ids=(CROSS,)))
        part = check_context(ctx, self.plan.rules, cached, only=frozenset({CROSS}), ids=(CROSS,))
        if memo is not None:
            memo.computed(2, part.per_object)
            memo.save()
        return part.by_rule.get(CROSS, [])


class _Remembered:
    """One target's use of its pack (project/objcache.py): what was found there, what was
    computed, and whether writing the pack back is worth it."""

    # A pack is written back when more than this share of its entries was computed anew
    # (or its check configuration changed): a few changed resources cost less to print
    # and check again next time than the pack costs to write.
    REWRITE_SHARE = 0.02

    def __init__(self, pack, keys: list[bytes | None]):
        self.pack = pack
        self.keys = keys
        self.slots = list(pack.keys)
        self.found: list[list | None] = [None, None]
        self.missed = 0
        self.changed = False
        self._texts: list[str | None] | None = None

    def texts(self, resources, dump) -> list[str]:
        out = []
        for r, key in zip(resources, self.keys):
            text = self.pack.text(key)
            if text is None:
                text = dump(r.obj)
                self.missed += key is not None     # a Secret is never kept
            out.append(text)
        self._texts = out
        return out

    def cached(self, slot: int, config: str | None) -> list | None:
        """The findings of `slot` the pack holds for configuration `config` (None each
        where it holds none), or None when no check of that slot runs per object."""
        if config is None:
            return None
        if config != self.slots[slot - 1]:
            self.slots[slot - 1] = config
            self.changed = True
        found = [self.pack.findings(key, slot, config) for key in self.keys]
        self.found[slot - 1] = found
        return found

    def computed(self, slot: int, fresh: list | None) -> None:
        found = self.found[slot - 1]
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
        for slot in (1, 2):
            found = self.found[slot - 1]
            if found is None:     # not run this time: keep what the pack holds
                found = [pack.findings(key, slot, self.slots[slot - 1]) for key in self.keys]
            columns.append(found)
        texts = self._texts
        if texts is None:        # nothing printed (FINDINGS): keep what the pack holds
            texts = [pack.text(key) for key in self.keys]
        entries = {key: (text, one, two) for key, text, one, two
                   in zip(self.keys, texts, *columns) if key is not None}
        pack.save(entries, tuple(self.slots))


_OWNERS_MAGIC = b"lamina-owners 1\n"


def _owners_location(plan: Plan) -> tuple[str, str]:
    """(the owners file of this project and set of targets, the key it is bound to)."""
    import hashlib
    from lamina.project import objcache
    targets = "\0".join(sorted(job.path for job in plan.jobs))
    key = f"{os.path.realpath(plan.project.root)}\0{targets}"
    name = hashlib.sha256(key.encode()).hexdigest()
    return os.path.join(objcache.cache_dir(), "owners", name), key


def expected_owners(plan: Plan) -> dict[str, tuple[str, ...]] | None:
    """What the last render of the same targets found cross_environment.owners to be (a
    guess: execute() checks it), or None."""
    from lamina.project import objcache
    if not (plan.cache and plan.cross and objcache.enabled()):
        return None
    import marshal
    from lamina.store import cachefile
    try:
        path, key = _owners_location(plan)
        payload = cachefile.read_entry(path, _OWNERS_MAGIC, key)
        data = None if payload is None else marshal.loads(payload)
    except (ValueError, EOFError, TypeError):   # cachefile.Damaged is a ValueError
        return None
    if isinstance(data, dict) and all(
            isinstance(k, str) and isinstance(v, tuple) and all(isinstance(m, str) for m in v)
            for k, v in data.items()):
        return data
    return None


def _remember_owners(plan: Plan, owners: dict[str, tuple[str, ...]]) -> None:
    from lamina.project import objcache
    if not (plan.cache and objcache.enabled()) or owners == plan.expected_owners:
        return
    import marshal
    from lamina.store import cachefile
    try:
        data = marshal.dumps(owners)
    except ValueError:       # a marker that is not a string: nothing to remember
        return
    path, key = _owners_location(plan)
    cachefile.write_entry(path, _OWNERS_MAGIC, key, data)


def discard_all(plan: Plan, outcomes: list[Outcome | None]) -> None:
    staged = [o.staged for o in outcomes if o is not None and o.staged is not None]
    discard(plan.output, *staged)
    for o in outcomes:
        if o is not None:
            o.staged = None


def execute(plan: Plan, jobs: int, rules_error: BaseException | None = None,
            gate: bool = True):
    """Render every job of the plan; (outcomes in job order, CheckResult or None). Raises
    as a serial render would (see the module's docstring), leaving nothing staged; with
    `gate` false, failed checks are returned, not raised."""
    n = len(plan.jobs)
    if n == 0:
        return [], None
    size = min(jobs or (os.cpu_count() or 1), n)
    outcomes: list[Outcome | None] = [None] * n
    pool = Pool(functools.partial(Worker, plan), size) if size > 1 else None
    local = Worker(plan) if pool is None else None
    collecting = gc.isenabled()
    if pool is None and collecting:
        gc.disable()     # as in a worker (see workers._serve); on again when the render is done
    try:
        # 1. build, print, check and stage each target
        if pool is None:
            for i in range(n):
                outcomes[i] = local.render(i)
        else:
            done = pool.run([(None, ("render", i)) for i in range(n)], stop_on_error=True)
            for i, (status, value, _extra) in done.items():
                if status == "ok":
                    outcomes[i] = value
            errors = sorted(i for i, r in done.items() if r[0] == "error")
            if errors:
                raise_remote(done[errors[0]][1], done[errors[0]][2])
        if rules_error is not None:
            raise rules_error
        first = next((o for o in outcomes if o.check_error is not None), None)
        if first is not None:
            raise first.check_error
        if plan.rules is None:
            return outcomes, None

        # 2. cross-environment, now that every target's markers are known
        cross: dict[int, list[Finding]] = {}
        if plan.cross:
            from lamina.checks.cross_environment import owners_of_markers
            project = plan.project
            declared = {env.name: tuple(env.hosts) for env in project.environments}
            observed: dict[str, set[str]] = {name: set() for name in declared}
            for o in outcomes:
                observed.setdefault(o.environment, set()).update(o.markers)
            markers = owners_of_markers(declared, observed)
            _remember_owners(plan, markers)
            tasks = []
            for o in outcomes:
                env = project.environment(o.environment)
                others = plan.others(env.name, markers)
                if o.cross is not None and plan.expected_owners is not None and \
                        list(others.items()) == list(plan.others(env.name, plan.expected_owners).items()):
                    cross[o.index] = o.cross      # the workers guessed right
                    continue
                tasks.append((o.index, ("cross", o.index, others)))
            if pool is None:
                for index, message in tasks:
                    cross[index] = local.cross(*message[1:])
            else:
                owner = {i: extra for i, (status, _v, extra) in done.items()}
                ran = pool.run([(owner[i], message) for i, message in tasks])
                for t, (status, value, extra) in ran.items():
                    if status != "ok":
                        raise_remote(value, extra)
                    cross[tasks[t][0]] = value
        parts = []
        for o in outcomes:
            if plan.cross:
                o.checks.by_rule[CROSS] = cross.get(o.index, [])
            parts.append(o.checks)
        result = merge(parts, plan.rules)
        if gate and result.failed():
            from lamina.checks.gate import ChecksFailed
            from lamina.report.text import check_report
            raise ChecksFailed("checks failed, nothing was written:\n"
                               + check_report(result).rstrip(), result)
        return outcomes, result
    except BaseException:
        discard_all(plan, outcomes)
        raise
    finally:
        if pool is not None:
            pool.close()
        elif collecting:
            gc.enable()

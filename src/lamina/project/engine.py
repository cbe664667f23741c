"""The render engine, the one used by `lamina render`, `check`, `diff` and `publish`: each
target is built, printed, checked and dealt with in the process that renders it; the
parent only gathers what crosses targets.

A run of many targets forks a few worker processes (project/pool.py, one per core). A
worker takes the next target and does its work (project/worker.py): it builds it, prints
its files, runs every check that looks at one target (all but cross-environment), and
then, depending on the plan's Mode (project/plan.py):

- WRITE: stages the target's changed files in the output folder (writer.stage: temporary
  files or a temporary folder, nothing visible), unless its checks already failed;
- CHECK: lists the files that differ from the output folder (`render --check`);
- COLLECT: sends the files back (`lamina publish`);
- FINDINGS: nothing but the checks (`lamina check`: no file is printed);
- OBJECTS: sends the objects back, no file printed and no check run (`lamina diff`).

It sends back only what the parent needs: file names, resource count, findings and the
hosts and namespaces its objects use. Once every target is done, the parent works out which
markers belong to which environment (owners) and asks the workers to run
cross-environment over the targets they hold, with the other environments' markers.
Workers guess those in advance (the owners the last render of the same targets found,
project/owners.py) and run cross-environment in their first pass; the parent asks again
only for targets whose markers came out different. Then it gates on the checks. Each mode
has its own result type (Written, Compared, Collected, Checked, Objects). Workers run
without the cyclic garbage collector (see pool._serve).

Errors are reported as a serial render reports them: the first target's build error,
else the checks' configuration error, else the first target's check error, else failed
checks, else the first file lamina does not own.
"""

from __future__ import annotations

import functools
import gc
import os
from dataclasses import dataclass
from typing import Any, Union

from lamina.checks.base import Finding
from lamina.checks.cross_environment import owners_of_markers
from lamina.checks.gate import ChecksFailed
from lamina.checks.runner import CheckResult, ContextResult, merge
from lamina.project import owners as owners_cache
from lamina.project.config import Project
from lamina.project.plan import CROSS, Job, Mode, Outcome, Owners, Plan, others
from lamina.project.pool import Pool, TaskResult, raise_remote
from lamina.project.render import selected
from lamina.project.worker import Worker
from lamina.project.writer import Staged, discard
from lamina.report.text import check_report

__all__ = ["Checked", "Collected", "CollectedTarget", "Compared", "Job", "Mode", "Objects",
           "Plan", "Result", "Target", "TargetObjects", "Written", "jobs_of", "run"]


@dataclass(frozen=True)
class Target:
    """One rendered target: what every mode but OBJECTS reports of it."""

    path: str                       # env or env/cluster
    environment: str
    resource_count: int
    inputs: dict[str, str]          # project-relative path -> sha256
    files: tuple[str, ...]          # relative to <output>/<path>/ (none in FINDINGS)


@dataclass(frozen=True)
class CollectedTarget(Target):
    texts: dict[str, str]           # relative to <path>/ -> its text


@dataclass(frozen=True)
class TargetObjects:
    path: str
    environment: str
    objects: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Written:
    """Mode.WRITE: every target's files staged in the output folder (writer.commit or
    writer.discard them)."""

    targets: tuple[Target, ...]
    staged: tuple[Staged, ...]
    checks: CheckResult | None


@dataclass(frozen=True)
class Compared:
    """Mode.CHECK: the output-relative files that differ from the output folder."""

    targets: tuple[Target, ...]
    differences: tuple[str, ...]
    checks: CheckResult | None


@dataclass(frozen=True)
class Collected:
    """Mode.COLLECT: every target's files, in memory."""

    targets: tuple[CollectedTarget, ...]
    checks: CheckResult | None


@dataclass(frozen=True)
class Checked:
    """Mode.FINDINGS: the checks' findings (not gated: failed checks are returned)."""

    targets: tuple[Target, ...]
    checks: CheckResult | None


@dataclass(frozen=True)
class Objects:
    """Mode.OBJECTS: every target's objects."""

    targets: tuple[TargetObjects, ...]


Result = Union[Written, Compared, Collected, Checked, Objects]


def jobs_of(project: Project, environments: tuple[str, ...] = (),
            only: set[str] | None = None) -> tuple[Job, ...]:
    """The targets of the named environments (all when none is), in the project's order;
    `only` limits them to those target paths."""
    return tuple(Job(e, p, c) for e in selected(project, environments)
                 for p, c in e.targets() if only is None or p in only)


def expected_owners(plan: Plan) -> Owners | None:
    """The owners the last render of the same targets found, when the plan runs
    cross-environment and may use the cache."""
    if not (plan.cache and plan.cross):
        return None
    return owners_cache.recall(plan.project.root, [job.path for job in plan.jobs])


def run(plan: Plan, jobs: int = 0, rules_error: BaseException | None = None,
        gate: bool = True) -> Result:
    """Render every job of the plan with `jobs` processes (0: one per core). Raises as a
    serial render would (see the module's docstring), leaving nothing staged; with `gate`
    false, failed checks are returned, not raised."""
    outcomes, checks = _execute(plan, jobs, rules_error, gate)
    if plan.mode is Mode.OBJECTS:
        return Objects(tuple(TargetObjects(o.path, o.environment, tuple(o.objects or ()))
                             for o in outcomes))
    if plan.mode is Mode.COLLECT:
        return Collected(tuple(CollectedTarget(o.path, o.environment, o.resource_count,
                                               o.inputs, tuple(o.files), o.texts or {})
                               for o in outcomes), checks)
    targets = tuple(Target(o.path, o.environment, o.resource_count, o.inputs, tuple(o.files))
                    for o in outcomes)
    if plan.mode is Mode.WRITE:
        return Written(targets, tuple(o.staged for o in outcomes if o.staged is not None),
                       checks)
    if plan.mode is Mode.CHECK:
        return Compared(targets, tuple(d for o in outcomes for d in o.differences), checks)
    return Checked(targets, checks)


def _discard_all(plan: Plan, outcomes: list[Outcome | None]) -> None:
    staged = [o.staged for o in outcomes if o is not None and o.staged is not None]
    discard(plan.output, *staged)
    for o in outcomes:
        if o is not None:
            o.staged = None


def _execute(plan: Plan, jobs: int, rules_error: BaseException | None,
             gate: bool) -> tuple[list[Outcome], CheckResult | None]:
    n = len(plan.jobs)
    if n == 0:
        return [], None
    size = min(jobs or (os.cpu_count() or 1), n)
    slots: list[Outcome | None] = [None] * n
    pool = Pool(functools.partial(Worker, plan), size) if size > 1 else None
    local = Worker(plan) if pool is None else None
    collecting = gc.isenabled()
    if pool is None and collecting:
        gc.disable()     # as in a worker (see pool._serve); on again when the run is done
    try:
        # 1. build, print, check and stage each target
        done: dict[int, TaskResult] = {}
        if local is not None:
            for i in range(n):
                slots[i] = local.render(i)
        else:
            assert pool is not None
            done = pool.run([(None, ("render", i)) for i in range(n)], stop_on_error=True)
            for i, reply in done.items():
                if reply.ok:
                    slots[i] = reply.value
            errors = sorted(i for i, reply in done.items() if not reply.ok)
            if errors:
                raise_remote(done[errors[0]].value, done[errors[0]].traceback)
        outcomes = [o for o in slots if o is not None]
        if rules_error is not None:
            raise rules_error
        first = next((o.check_error for o in outcomes if o.check_error is not None), None)
        if first is not None:
            raise first
        if plan.rules is None:
            return outcomes, None

        # 2. cross-environment, now that every target's markers are known
        cross: dict[int, list[Finding]] = {}
        if plan.cross:
            cross = _cross(plan, outcomes, pool, local, done)
        parts: list[ContextResult] = []
        for o in outcomes:
            assert o.checks is not None
            if plan.cross:
                o.checks.by_rule[CROSS] = cross.get(o.index, [])
            parts.append(o.checks)
        result = merge(parts, plan.rule_list)
        if gate and result.failed():
            raise ChecksFailed("checks failed, nothing was written:\n"
                               + check_report(result).rstrip(), result)
        return outcomes, result
    except BaseException:
        _discard_all(plan, slots)
        raise
    finally:
        if pool is not None:
            pool.close()
        elif collecting:
            gc.enable()


def _cross(plan: Plan, outcomes: list[Outcome], pool: Pool | None, local: Worker | None,
           done: dict[int, TaskResult]) -> dict[int, list[Finding]]:
    """Each target's cross-environment findings: the workers' guess where it was right,
    else asked again of the worker that holds the target."""
    project = plan.project
    declared = {env.name: tuple(env.hosts) for env in project.environments}
    observed: dict[str, set[str]] = {name: set() for name in declared}
    for o in outcomes:
        observed.setdefault(o.environment, set()).update(o.markers)
    markers = owners_of_markers(declared, observed)
    if plan.cache and markers != plan.expected_owners:
        owners_cache.remember(project.root, [job.path for job in plan.jobs], markers)
    cross: dict[int, list[Finding]] = {}
    tasks: list[tuple[int, tuple[Any, ...]]] = []
    for o in outcomes:
        env = project.environment(o.environment)
        mine = others(env.name, markers)
        if o.cross is not None and plan.expected_owners is not None and \
                list(mine.items()) == list(others(env.name, plan.expected_owners).items()):
            cross[o.index] = o.cross      # the workers guessed right
            continue
        tasks.append((o.index, ("cross", o.index, mine)))
    if local is not None:
        for index, message in tasks:
            cross[index] = local.cross(message[1], message[2])
    else:
        assert pool is not None
        worker_of = {i: reply.worker for i, reply in done.items()}
        ran = pool.run([(worker_of[i], message) for i, message in tasks])
        for t, reply in ran.items():
            if not reply.ok:
                raise_remote(reply.value, reply.traceback)
            cross[tasks[t][0]] = reply.value
    return cross

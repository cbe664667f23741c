"""What the render engine (project/engine.py) is asked to do, and what one target's work
sends back to it: the mode, the targets, the checks, and one target's outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from lamina.checks.base import Finding
from lamina.checks.config import Rule
from lamina.checks.runner import ContextResult
from lamina.kustomize.dialect import ValuesOptions
from lamina.project.config import Cluster, Environment, Project
from lamina.project.writer import Staged

CROSS = "cross-environment"

Owners = dict[str, tuple[str, ...]]


class Mode(Enum):
    """What the engine does with each rendered target (see project/engine.py)."""

    WRITE = "write"          # stage its files in the output folder (`lamina render`)
    CHECK = "check"          # list the files that differ from the output folder (`render --check`)
    COLLECT = "collect"      # send its files back (`lamina publish`)
    FINDINGS = "findings"    # nothing but the checks (`lamina check`)
    OBJECTS = "objects"      # send its objects back, no checks (`lamina diff`)


@dataclass(frozen=True)
class Job:
    env: Environment
    path: str                # env or env/cluster
    cluster: Cluster | None


@dataclass(frozen=True)
class Plan:
    """Everything the workers need; inherited by fork, never pickled."""

    project: Project
    jobs: tuple[Job, ...]
    mode: Mode
    values: ValuesOptions = ValuesOptions()   # given on the command line
    output: str = ""                          # the output folder (WRITE, CHECK)
    owned: frozenset[str] = frozenset()       # the files lamina wrote there (WRITE)
    rules: tuple[Rule, ...] | None = None     # the check rules; None: no checks
    cache: bool = True                        # project/objcache.py
    # The owners of hosts and namespaces (cross_environment.owners) the last render of the
    # same targets found (project/owners.py): the workers run cross-environment with them
    # right away, and the parent runs it again only for targets whose markers differ.
    expected_owners: Owners | None = None
    crds: tuple[Any, ...] = ()                # extra CRDs for the schema check (`check --crd-dir`)

    @property
    def cross(self) -> bool:
        return self.rules is not None and any(r.enabled and r.check_id == CROSS for r in self.rules)

    @property
    def rule_list(self) -> list[Rule]:
        return list(self.rules or ())


def others(env_name: str, owners: Owners) -> Owners:
    """The owners of every environment but `env_name`."""
    return {name: m for name, m in owners.items() if name != env_name}


@dataclass
class Outcome:
    """One rendered target as its worker sends it to the parent (pickled): what every mode
    needs, and the one field its mode fills."""

    index: int
    path: str
    environment: str
    resource_count: int
    inputs: dict[str, str]
    files: list[str]                                   # relative to <output>/<path>/
    texts: dict[str, str] | None = None                # COLLECT
    objects: list[Any] | None = None                   # OBJECTS
    differences: list[str] = field(default_factory=list)   # CHECK, output-relative
    staged: Staged | None = None                       # WRITE
    markers: set[str] = field(default_factory=set)     # hosts and namespaces used
    checks: ContextResult | None = None
    check_error: BaseException | None = None
    failing: bool = False                              # its own checks found errors
    cross: list[Finding] | None = None                 # with plan.expected_owners

"""`lamina init`: adopt lamina in an empty folder or an existing Kustomize repository.

An empty folder (no kustomization anywhere) gets a small working project. An existing
repository gets a lamina.yaml naming the environments found (project/discover.py); an
environment that does not build is left out with the reason as a comment, and a check that
finds errors in the manifests as they are is set to warn, with the count, so that
`lamina render` passes on the first day and the findings stay visible.

No existing file is ever changed: lamina.yaml already there is an error; an existing
.gitignore or CI file is left as it is, and the result says what to add by hand.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from lamina.errors import LaminaError
from lamina.project.config import PROJECT_FILE
from lamina.project.discover import Discovery, Proposal, discover
from lamina.project.scaffold import (
    CI_SYSTEMS, GITLAB_CI, MODES, RENDERED_BRANCH, ci_file, gitignore, gitignore_line,
    project_file, sample_files)


class InitError(LaminaError):
    """lamina init cannot proceed without changing an existing file, or found nothing."""


@dataclass(frozen=True)
class InitOptions:
    directory: str = "."
    mode: str = RENDERED_BRANCH              # rendered-branch | committed
    ci: str = "auto"                         # github | gitlab | none | auto
    environments: tuple[str, ...] = ()       # names among the proposals; () keeps them all
    output_dir: str | None = None            # default: rendered (or lamina-rendered if taken)
    sample: bool | None = None               # None: a sample project only in an empty folder


@dataclass(frozen=True)
class InitResult:
    root: str
    sample: bool                                       # wrote the sample project
    environments: tuple[Proposal, ...]
    left_out: tuple[tuple[Proposal, str], ...] = ()    # did not build, and why
    lowered: dict[str, int] = field(default_factory=dict)
    created: tuple[str, ...] = ()                      # project-relative paths
    kept: tuple[tuple[str, str], ...] = ()             # (existing file, what to do by hand)
    ci_path: str | None = None


def propose(directory: str = ".") -> Discovery:
    """What init would add, for showing before asking."""
    return discover(directory, _output_dir(os.path.realpath(directory), None))


def default_ci(root: str) -> str:
    if os.path.exists(os.path.join(root, GITLAB_CI)):
        return "gitlab"
    try:
        with open(os.path.join(root, ".git", "config"), encoding="utf-8") as fh:
            if "gitlab" in fh.read():
                return "gitlab"
    except OSError:
        pass
    return "github"


def _output_dir(root: str, chosen: str | None) -> str:
    if chosen:
        return chosen
    path = os.path.join(root, "rendered")
    if os.path.isdir(path) and os.listdir(path):
        from lamina.project.writer import owned_files
        if not owned_files(path):
            return "lamina-rendered"       # rendered/ holds someone else's files
    return "rendered"


class _Writer:
    """Creates new files only; on failure removes what it created."""

    def __init__(self, root: str):
        self.root = root
        self.created: list[str] = []
        self.made_dirs: list[str] = []

    def exists(self, rel: str) -> bool:
        return os.path.lexists(os.path.join(self.root, rel))

    def create(self, rel: str, text: str) -> None:
        path = os.path.join(self.root, rel)
        parent = os.path.dirname(path)
        missing = []
        while not os.path.isdir(parent):
            missing.append(parent)
            parent = os.path.dirname(parent)
        for d in reversed(missing):
            os.mkdir(d)
            self.made_dirs.append(d)
        with open(path, "x", encoding="utf-8", newline="") as fh:   # never overwrites
            self.created.append(rel)
            fh.write(text)

    def replace_own(self, rel: str, text: str) -> None:
        assert rel in self.created
        tmp = os.path.join(self.root, rel + ".lamina-tmp")
        with open(tmp, "x", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, os.path.join(self.root, rel))

    def undo(self) -> None:
        for rel in reversed(self.created):
            try:
                os.unlink(os.path.join(self.root, rel))
            except OSError:
                pass
        for d in reversed(self.made_dirs):
            try:
                os.rmdir(d)
            except OSError:
                pass


def _builds(root: str, proposal: Proposal) -> str | None:
    """None when the overlay builds, else the first line of why not."""
    from lamina.kustomize.build import build
    try:
        build(os.path.join(root, proposal.overlay))
    except LaminaError as exc:
        return str(exc).splitlines()[0][:200]
    except RecursionError:
        return "input nests too deeply"
    return None


def _check_errors(root: str) -> dict[str, int]:
    from lamina.api.check import CheckOptions, check
    result = check(CheckOptions(project_dir=root))
    counts: dict[str, int] = {}
    for finding in result.errors():
        counts[finding.check] = counts.get(finding.check, 0) + 1
    return counts


def init(options: InitOptions) -> InitResult:
    if options.mode not in MODES:
        raise InitError(f"unknown mode '{options.mode}' (use {' or '.join(MODES)})")
    if options.ci not in (*CI_SYSTEMS, "auto"):
        raise InitError(f"unknown CI system '{options.ci}' (use {', '.join(CI_SYSTEMS)})")
    root = os.path.realpath(options.directory)
    if not os.path.isdir(root):
        raise InitError(f"{options.directory} is not a folder")
    if os.path.lexists(os.path.join(root, PROJECT_FILE)):
        raise InitError(f"{PROJECT_FILE} already exists in {root}: lamina init changes no "
                        "existing file (edit it, or remove it to start again)")
    output_dir = _output_dir(root, options.output_dir)
    found = discover(root, output_dir)
    sample = options.sample if options.sample is not None else found.kustomizations == 0
    writer = _Writer(root)
    try:
        return _init(options, root, output_dir, found, sample, writer)
    except BaseException:
        writer.undo()
        raise


def _init(options: InitOptions, root: str, output_dir: str, found: Discovery, sample: bool,
          writer: _Writer) -> InitResult:
    kept: list[tuple[str, str]] = []
    left_out: list[tuple[Proposal, str]] = []
    if sample:
        files = sample_files()
        taken = sorted(rel for rel in files if writer.exists(rel))
        if taken:
            raise InitError(f"cannot write the sample project: {', '.join(taken)} already "
                            "exist (lamina init changes no existing file)")
        for rel, text in sorted(files.items()):
            writer.create(rel, text)
        proposals = [Proposal(e, f"overlays/{e}") for e in ("dev", "staging", "prod")]
    else:
        proposals = list(found.environments)
        if options.environments:
            known = {p.name: p for p in proposals}
            unknown = [n for n in options.environments if n not in known]
            if unknown:
                raise InitError(f"no environment '{unknown[0]}' was found; found: "
                                f"{', '.join(known) or 'none'}")
            proposals = [known[n] for n in options.environments]
        if not proposals:
            raise InitError(
                f"found {found.kustomizations} kustomizations in {root}, all of them bases, "
                "components or Flux bootstrap folders: no environment to add (write "
                f"{PROJECT_FILE} by hand, see docs/project-file.md)")
        for p in proposals:
            why = _builds(root, p)
            if why is not None:
                left_out.append((p, why))
        proposals = [p for p in proposals if p not in {q for q, _ in left_out}]
        if not proposals:
            raise InitError("no environment builds: " + "; ".join(
                f"{p.overlay}: {why}" for p, why in left_out))
    writer.create(PROJECT_FILE, project_file(proposals, options.mode, output_dir, {}, left_out))
    lowered: dict[str, int] = {}
    if not sample:
        lowered = _check_errors(root)
        if lowered:
            writer.replace_own(PROJECT_FILE, project_file(proposals, options.mode, output_dir,
                                                          lowered, left_out))
    line = gitignore_line(output_dir)
    if not writer.exists(".gitignore"):
        writer.create(".gitignore", gitignore(options.mode, output_dir))
    elif options.mode == RENDERED_BRANCH:
        with open(os.path.join(root, ".gitignore"), encoding="utf-8", errors="replace") as fh:
            present = {row.strip() for row in fh}
        if not present & {line, line.lstrip("/"), line.rstrip("/"), line.strip("/")}:
            kept.append((".gitignore", f"add the line {line} (rendered output is not committed "
                                       "in rendered-branch mode)"))
    ci = default_ci(root) if options.ci == "auto" else options.ci
    ci_path = None
    made = ci_file(ci, options.mode)
    if made is not None:
        ci_path, text = made
        if writer.exists(ci_path):
            kept.append((ci_path, "already exists: compare it with lamina's template in "
                                  "docs/ci.md and add the lamina steps"))
            ci_path = None
        else:
            writer.create(ci_path, text)
    return InitResult(root=root, sample=sample, environments=tuple(proposals),
                      left_out=tuple(left_out), lowered=lowered, created=tuple(writer.created),
                      kept=tuple(kept), ci_path=ci_path)

"""The few error types lamina raises; the CLI turns them into messages and exit codes."""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceRef:
    """Where something came from: a file, and a 1-based line and column when known."""

    path: str
    line: int | None = None
    column: int | None = None

    def under(self, base: str, root: str = "") -> "SourceRef":
        """The same place named from a folder higher up: a path relative to `base` (the
        folder a build started in, itself relative to where messages are read from) is
        joined to it; an absolute path inside `root` becomes relative to `root`. Flags
        (`--set`) and placeholders (`<values>`) stay as they are. This is how every message
        names files from the project root (`overlays/prod/values.yaml:4:3`)."""
        path = self.path
        if not path or path.startswith(("-", "<")):
            return self
        if os.path.isabs(path):
            if not root:
                return self
            real_root = os.path.realpath(root)
            for r in (os.path.abspath(root), real_root):
                if path == r or path.startswith(r.rstrip(os.sep) + os.sep):
                    return SourceRef(os.path.relpath(path, r), self.line, self.column)
            return self
        if not base or base == ".":
            return self
        return SourceRef(posixpath.normpath(posixpath.join(base.replace(os.sep, "/"), path)),
                         self.line, self.column)

    def __str__(self) -> str:
        if self.line is None:
            return self.path
        if self.column is None:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.column}"


def seen_from(directory: str, cwd: str | None = None) -> tuple[str, str]:
    """(base, root) for SourceRef.under when a command builds `directory`: files are named
    from the working directory when `directory` is inside it (`overlays/prod/values.yaml`),
    else from `directory` itself."""
    cwd = cwd or os.getcwd()
    if not os.path.isabs(directory):
        return directory, cwd
    real, real_cwd = os.path.realpath(directory), os.path.realpath(cwd)
    if real == real_cwd or real.startswith(real_cwd.rstrip(os.sep) + os.sep):
        return os.path.relpath(real, real_cwd), real_cwd
    return "", real


def yaml_text(value: object) -> str:
    """A value as YAML spells it, for messages: true, null, 3, "text", [a, b], {k: v}
    (never Python's True, None or 'text')."""
    import json
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {yaml_text(v)}" for k, v in value.items()) + "}"
    return str(value)


class LaminaError(Exception):
    """A problem with the user's input. Carries an optional SourceRef for the message, and
    the environment it happened in when several are rendered.

    str(error) is the one format of every message: `prod: overlays/prod/values.yaml:4:3:
    what is wrong; what to do`. A message may hold a second line with Kustomize's own text.
    """

    environment: str | None = None

    def __init__(self, message: str, source: SourceRef | None = None):
        # Both go into args so the error survives pickling (renders run in worker processes);
        # `environment`, set later, travels in the instance dict.
        super().__init__(message, source)
        self.message = message
        self.source = source

    def located(self, base: str = "", environment: str | None = None,
                root: str = "") -> "LaminaError":
        """This error, its file named from the project root (see SourceRef.under) and its
        environment recorded; for the code that knows which overlay was being built."""
        if self.source is not None:
            self.source = self.source.under(base, root)
        if len(self.args) >= 2:
            self.args = (self.message, self.source) + self.args[2:]
        if environment and not self.environment:
            self.environment = environment
        return self

    def __str__(self) -> str:
        source = self.source
        if source is None or (source.path.startswith("-") and self.message.startswith(source.path)):
            text = self.message     # `--set 'x=[a': ...` names its flag already
        else:
            text = f"{source}: {self.message}"
        return f"{self.environment}: {text}" if self.environment else text


class YamlError(LaminaError):
    """A document that cannot be read: bad syntax, duplicate keys, alias bombs."""


class KustomizationError(LaminaError):
    """A kustomization that Kustomize would refuse: unknown fields, bad references, conflicts."""


class MissingFileError(KustomizationError):
    """A file or folder that a kustomization lists does not exist. The message names the
    kustomization and the line that lists it; Kustomize's own text is its second line.
    Here, not in kustomize/loader.py, because generators and patches raise it too."""


class ResourceError(LaminaError):
    """A problem tied to one resource: conflicts, missing targets, invalid fields."""


class NotSupportedError(LaminaError):
    """A valid Kustomize feature that lamina does not implement yet (helm, remote, exec)."""


class LaminaWarning(UserWarning):
    """Something lamina ignored and says so (a corrupt ledger, say); the CLI prints it as
    one `Warning: ...` line on stderr."""

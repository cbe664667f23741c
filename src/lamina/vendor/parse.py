"""Remote references as Kustomize v5.8.1 reads them (api/internal/git/repospec.go).

The split into host, org/repo, path and ref follows Kustomize's rules exactly, because the
clone URL and the path decide both what is fetched and the `config.kubernetes.io/origin`
annotation (`repo:`, `ref:`, `path:`) that Kustomize writes for remote resources.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

DEFAULT_TIMEOUT = 27.0          # seconds, Kustomize's defaultTimeout
_GIT_SUFFIX = ".git"
_GIT_DELIMITER = "_git/"
_HOST_PREFIXES = ("git::", "gh:", "ssh://", "https://", "http://", "git@", "github.com:",
                  "github.com/")
_FILE_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class RepoSpec:
    """One git reference: `raw` as written; `clone_url` is what `git clone` is given."""

    raw: str
    host: str
    org_repo: str
    path: str
    ref: str
    git_suffix: str
    submodules: bool
    timeout: float

    @property
    def clone_url(self) -> str:
        if _is_azure(self.host) or "amazonaws.com" in self.host:
            return self.host + self.org_repo
        return self.host + self.org_repo + self.git_suffix

    @property
    def origin_path(self) -> str:
        """The path Kustomize's Origin.Append records: AbsPath() with its first element
        (the clone directory, "/notCloned" before cloning) cut off."""
        abs_path = posixpath.normpath("/notCloned/" + self.path)
        cut = abs_path[1:].find("/") + 1
        return abs_path[cut:][1:]

    @property
    def is_local(self) -> bool:
        """A file:// or path clone URL: reads outside the repository, refused by default."""
        url = self.clone_url.lower()
        return url.startswith(("file://", "/", "./", "../", "~")) or self.host.startswith(
            ("file:", "/"))


def _is_azure(host: str) -> bool:
    return "dev.azure.com" in host or "visualstudio.com" in host


def _go_parse_bool(value: str) -> bool | None:
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return None


def _parse_duration(value: str) -> float | None:
    if value.isdigit() and int(value) > 0:
        return float(int(value))
    units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    parts = re.findall(r"(\d+(?:\.\d*)?)(ns|us|µs|ms|s|m|h)", value)
    if not parts or "".join(n + u for n, u in parts) != value:
        return None
    total = sum(float(n) * units[u] for n, u in parts)
    return total if total > 0 else None


def _peel_query(arg: str) -> tuple[str, str, float, bool]:
    """(path, ref, timeout, submodules), as Kustomize's peelQuery."""
    split = urlsplit(arg)
    values = parse_qs(split.query, keep_blank_values=True)

    def get(key: str) -> str:
        return values.get(key, [""])[0]
    ref = get("ref") or get("version")
    timeout = _parse_duration(get("timeout")) if get("timeout") else None
    submodules = _go_parse_bool(get("submodules")) if get("submodules") else None
    path = arg.split("?", 1)[0].split("#", 1)[0] if "://" not in arg else split.path
    return (path, ref, timeout if timeout is not None else DEFAULT_TIMEOUT,
            submodules if submodules is not None else True)


def _normalize_host(host: str) -> str:
    lowered = host.lower()
    if "github.com" in lowered:
        host = "git@github.com:" if ("git@" in lowered or "ssh:" in lowered) else "https://github.com/"
    if lowered.startswith("git::"):
        host = lowered[len("git::"):]
    return host


def _parse_host(n: str) -> tuple[str, str]:
    host = ""
    for prefix in _HOST_PREFIXES:
        if len(prefix) < len(n) and n[:len(prefix)].lower() == prefix:
            n = n[len(prefix):]
            host += prefix
    if host == "git@":
        i = n.find("/")
        if i > -1:
            return host + n[:i + 1], n[i + 1:]
        i = n.find(":")
        if i > -1:
            return host + n[:i + 1], n[i + 1:]
        return host, n
    for prefix in ("ssh://", "https://", "http://"):
        if host.endswith(prefix):
            i = n.find("/")
            if i > -1:
                host, n = host + n[:i + 1], n[i + 1:]
            break
    return _normalize_host(host), n


def parse_repo_spec(raw: str) -> RepoSpec | None:
    """The RepoSpec Kustomize makes of `raw`, or None where Kustomize's parser refuses it
    (an absolute path, no host, no org/repo): Kustomize then reads it as a local path."""
    if raw.startswith("/"):
        return None
    n = raw
    suffix = ""
    if _GIT_DELIMITER in n:
        index = n.index(_GIT_DELIMITER)
        host = _normalize_host(n[:index + len(_GIT_DELIMITER)])
        org_repo = n[index + len(_GIT_DELIMITER):].split("/")[0].split("?")[0]
        path, ref, timeout, subs = _peel_query(n[index + len(_GIT_DELIMITER) + len(org_repo):])
    else:
        host, n = _parse_host(n)
        suffix = _GIT_SUFFIX
        if _GIT_SUFFIX in n:
            index = n.index(_GIT_SUFFIX)
            org_repo = n[:index]
            n = n[index + len(_GIT_SUFFIX):]
            if n.startswith("/"):
                n = n[1:]
            path, ref, timeout, subs = _peel_query(n)
        else:
            i = n.find("/")
            if i < 1:
                org_repo = ""
                path, ref, timeout, subs = _peel_query(n)
            else:
                j = n.find("/", i + 1)
                if j >= 0:
                    org_repo = n[:j]
                    path, ref, timeout, subs = _peel_query(n[j + 1:])
                else:
                    org_repo, ref, timeout, subs = _peel_query(n)
                    path = ""
    if not org_repo or not host:
        return None
    return RepoSpec(raw=raw, host=host, org_repo=org_repo, path=path, ref=ref,
                    git_suffix=suffix, submodules=subs, timeout=timeout)


def is_http_file(raw: str) -> bool:
    """An http(s) URL of one file (a release manifest), not a git repository: Kustomize
    GETs every http(s) resource first and only clones when that fails; lamina decides from
    the URL so a build never needs the network to know."""
    lowered = raw.lower()
    if not lowered.startswith(("http://", "https://")):
        return False
    split = urlsplit(raw)
    if "//" in split.path or _GIT_DELIMITER in split.path or ".git" in split.path:
        return False
    query = parse_qs(split.query)
    if "ref" in query or "version" in query:
        return False
    return split.path.lower().endswith(_FILE_SUFFIXES)

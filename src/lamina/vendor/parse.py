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
_FILE_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class RepoSpec:
    """One git reference: `raw` as written; `clone_url` is what `git clone` is given."""

    raw: str
    host: str           # scheme + username + host, e.g. "https://github.com/"
    repo_path: str      # e.g. "kubernetes-sigs/kustomize" or "org/repo.git"
    path: str           # the kustomization root inside the repository ("" = its root)
    ref: str
    submodules: bool
    timeout: float

    @property
    def clone_url(self) -> str:
        """Kustomize's CloneSpec(): also the `repo:` of origin annotations."""
        return self.host + self.repo_path

    @property
    def origin_path(self) -> str:
        """The path Kustomize's Origin.Append records: AbsPath() with its first element
        (the clone directory, "/notCloned" before cloning) cut off."""
        abs_path = posixpath.normpath("/notCloned/" + self.path)
        cut = abs_path[1:].find("/") + 1
        return abs_path[cut:][1:]

    @property
    def is_local(self) -> bool:
        """A file:// clone URL: reads outside the repository, refused by default."""
        return self.host.startswith(_FILE)


_FILE, _HTTP, _HTTPS, _SSH = "file://", "http://", "https://", "ssh://"
_USER = re.compile(r"^([a-zA-Z][a-zA-Z0-9-]*)@")


def _trim_prefix(s: str, prefix: str) -> tuple[str, bool]:
    if len(prefix) <= len(s) and s[:len(prefix)].lower() == prefix:
        return s[len(prefix):], True
    return s, False


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


def _parse_query(query: str) -> tuple[str, float, bool]:
    values = parse_qs(query, keep_blank_values=True)

    def get(key: str) -> str:
        return values.get(key, [""])[0]
    ref = get("ref") or get("version")
    timeout = _parse_duration(get("timeout")) if get("timeout") else None
    submodules = _go_parse_bool(get("submodules")) if get("submodules") else None
    return (ref, timeout if timeout is not None else DEFAULT_TIMEOUT,
            submodules if submodules is not None else True)


def _extract_host(n: str) -> tuple[str, str] | None:
    n, _ = _trim_prefix(n, "git::")
    scheme = ""
    for prefix in (_SSH, _HTTPS, _HTTP, _FILE):
        n, found = _trim_prefix(n, prefix)
        if found:
            scheme = prefix
            break
    m = _USER.match(n)
    username = m.group(1) + "@" if m else ""
    n = n[len(username):]
    std_github = n.lower().startswith(("github.com/", "github.com:"))
    accept_scp = scheme == "" and (username != "" or std_github)
    if scheme == "" and not accept_scp:
        return None
    if scheme == _FILE:
        return scheme, username + n
    host, rest = n, ""
    sep = n.find("/")
    if accept_scp:
        colon = n.find(":")
        if sep == -1 or (0 < colon < sep):
            sep = colon
    if sep >= 0:
        host, rest = n[:sep + 1], n[sep + 1:]
    if std_github:
        if scheme.startswith(_SSH) or username:
            scheme, host = "", "github.com:"
        else:
            scheme, username, host = _HTTPS, "", "github.com/"
    if host == "":
        return None
    return scheme + username + host, rest


def _split_path(n: str, all_segments: bool) -> tuple[str, str] | None:
    if _GIT_DELIMITER in n:
        i = n.index(_GIT_DELIMITER)
        segments = n[i + len(_GIT_DELIMITER):].split("/")
        repo, path = n[:i + len(_GIT_DELIMITER)] + segments[0], "/".join(segments[1:])
    elif "//" in n:
        i = n.index("//")
        repo, path = n[:i], n[i + 2:]
    elif _GIT_SUFFIX in n:
        i = n.index(_GIT_SUFFIX) + len(_GIT_SUFFIX)
        repo, path = n[:i], n[i:]
    elif all_segments:
        repo, path = n, ""
    else:
        segments = n.split("/")
        if len(segments) < 2:
            return None
        repo, path = "/".join(segments[:2]), "/".join(segments[2:])
    if not repo:
        return None
    cleaned = posixpath.normpath(path.lstrip("/")) if path.lstrip("/") else "."
    if cleaned.split("/")[0] == "..":
        return None
    return repo, path[1:] if path.startswith("/") else path


def parse_repo_spec(raw: str) -> RepoSpec | None:
    """The RepoSpec Kustomize v5.8.1's NewRepoSpecFromURL makes of `raw`, or None where it
    refuses (an absolute path, no scheme/host, too few segments): Kustomize then reads the
    entry as a local path."""
    if raw.startswith("/"):
        return None
    n, _, query = raw.partition("?")
    ref, timeout, submodules = _parse_query(query)
    host = _extract_host(n)
    if host is None:
        return None
    split = _split_path(host[1], host[0].startswith(_FILE))
    if split is None:
        return None
    return RepoSpec(raw=raw, host=host[0], repo_path=split[0], path=split[1], ref=ref,
                    submodules=submodules, timeout=timeout)


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

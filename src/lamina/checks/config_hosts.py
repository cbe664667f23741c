"""Host names inside configuration, and the environment a host's name says it belongs to.

cross-environment reads these from ConfigMap data, container env values, args and
command, and annotations. A host is found
- in a URL (`postgres://user:pass@db.dev.example.internal:5432/shop`, `jdbc:mysql://...`,
  `redis://`, `amqp://`, several hosts as in `mongodb://a:27017,b:27017`); for a
  connection URL (not http) the database name in its path counts too;
- after `host=`, `hostname=`, `server=`, `data source=`, `address=` (libpq, ADO.NET and
  ODBC connection strings);
- as a whole value whose key names a host or endpoint (`DB_HOST: postgres-dev`,
  `REDIS_ADDR`, `API_ENDPOINT`...);
- as a dotted host name anywhere (`db.dev.example.internal`, `api.shop-dev.svc.cluster.local`,
  a wildcard `*.dev.svc.cluster.local`),
  not a file name (`app.dev.yaml`), a version, an address or a reverse-DNS name
  (`com.example.dev.Main`).

A host's name is split into tokens at dots, dashes, underscores and slashes; the last
label (the top-level domain: `web.dev` is Google's `.dev`) and cloud region labels
(`eu-west-1`, `europe-west4`) are left out. An environment's marker matches only as
whole tokens, so `dev` is found in `db.dev.example.com` and `redis-dev`, never in `device`,
`devices.example.com` or `developer`, and `prod` never in `product`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

_URL = re.compile(r"\b([A-Za-z][A-Za-z0-9+.\-]*)://([^\s/?#'\"<>;,]+(?:,[^\s/?#'\"<>;,]+)*)"
                  r"(/[^\s?#'\"<>;]*)?")
_KEY_VALUE = re.compile(r"(?i)(?<![A-Za-z0-9_])(?:host|hostname|hostaddr|server|data source|"
                        r"address|addr)\s*=\s*([^\s;,&'\"]+)")
_DOTTED = re.compile(r"(?<![A-Za-z0-9_\-./@$%{])(\*\.)?((?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+"
                     r"[A-Za-z][A-Za-z0-9\-]*[A-Za-z0-9])(?![A-Za-z0-9_\-]|\.[A-Za-z0-9]|\()")
_HOST_KEY = re.compile(r"(?i)(?:^|[_\-.])(?:host|hostname|hosts|addr|address|server|endpoint|"
                       r"url|uri|dsn|broker|brokers)$")
_SINGLE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9\-._]*[A-Za-z0-9])?(?::\d+)?$")
_REGION = re.compile(r"^(?:(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov)?-[a-z]+-\d+[a-z]?|"
                     r"(?:asia|europe|australia|northamerica|southamerica|africa|me|us)-"
                     r"[a-z]+\d+)$")
_FILE_SUFFIXES = {"yaml", "yml", "json", "xml", "properties", "conf", "cfg", "ini", "toml",
                  "txt", "log", "sh", "py", "js", "ts", "jar", "war", "html", "htm", "css",
                  "pem", "crt", "key", "cert", "env", "sql", "md", "tpl", "j2", "gz", "tar",
                  "zip", "so", "lock", "pid", "sock", "class", "java", "go", "rb", "php",
                  "png", "jpg", "svg", "csv", "db", "sqlite", "exe", "bin", "out", "err",
                  "d", "service", "timer", "socket", "target", "mount"}
_REVERSE_DNS = {"com", "org", "net", "io", "edu", "gov", "de", "uk", "fr", "nl", "ch", "at",
                "be", "se", "no", "dk", "fi", "it", "es", "pl", "cz", "ru", "jp", "cn", "au",
                "br", "ca", "in", "kr", "us", "eu", "co", "me", "dev", "app", "ai"}
_HTTP = ("http", "https", "ws", "wss", "ftp", "sftp", "file", "git", "ssh", "grpc", "grpcs",
         "h2c", "unix", "tcp", "udp")
_PRIVATE_ZONES = {"local", "internal", "svc", "lan", "intranet", "corp", "home"}
# Public services whose own host names read like an environment's.
_PUBLIC = {"dev.azure.com"}


@dataclass(frozen=True)
class Host:
    host: str                 # as written (no credentials, no port)
    tokens: tuple[str, ...]   # what markers are matched against


def _tokens(host: str, path: str = "") -> tuple[str, ...]:
    labels = host.lower().strip(".").split(".")
    if len(labels) > 1:
        labels = labels[:-1]               # the top-level domain names no environment
    out: list[str] = []
    for label in labels:
        if _REGION.match(label):
            continue
        out += [t for t in re.split(r"[\-_]", label) if t]
    for segment in path.split("/")[:2]:
        out += [t for t in re.split(r"[\-_.]", segment.lower()) if t]
    return tuple(out)


def _strip_port(netloc: str) -> str:
    host = netloc.rpartition("@")[2]
    if host.startswith("["):
        return ""                          # an IPv6 address
    return host.partition(":")[0]


def _ip(host: str) -> bool:
    return bool(re.fullmatch(r"[\d.]+", host))


def _plausible_dotted(name: str) -> bool:
    labels = name.lower().split(".")
    last = labels[-1]
    # `dev.svc.cluster.local` (cluster DNS, or private zones) is a host, never reverse DNS.
    reverse = labels[0] in _REVERSE_DNS and len(labels) > 2 and last not in _PRIVATE_ZONES
    return not (last in _FILE_SUFFIXES or reverse
                or not re.search(r"[a-z]", last) or _ip(name) or len(last) < 2)


def hosts_in(key: str, text: str) -> Iterator[Host]:
    """The hosts `text` (the value of `key`) names, each once, in order."""
    seen: set[tuple[str, str]] = set()

    def emit(host: str, path: str = "") -> Iterator[Host]:
        host = host.strip().strip(".")
        if not host or _ip(host) or host.lower() in _PUBLIC or (host, path) in seen:
            return
        seen.add((host, path))
        tokens = _tokens(host, path)
        if tokens:
            yield Host(host, tokens)

    covered: list[tuple[int, int]] = []
    for m in _URL.finditer(text):
        scheme = m.group(1).lower().rpartition(":")[2]
        path = (m.group(3) or "").lstrip("/") if scheme not in _HTTP else ""
        for netloc in m.group(2).split(","):
            yield from emit(_strip_port(netloc), path)
        covered.append(m.span())
    for m in _KEY_VALUE.finditer(text):
        value = m.group(1)
        value = value[4:] if value.lower().startswith("tcp:") else value
        yield from emit(_strip_port(value))
        covered.append(m.span())
    value = text.strip()
    if _HOST_KEY.search(key) and _SINGLE.match(value) and not covered:
        host = value.partition(":")[0]
        if "." not in host or _plausible_dotted(host):
            yield from emit(host)
        return
    for m in _DOTTED.finditer(text):
        if any(a <= m.start() < b for a, b in covered):
            continue
        # A wildcard (`*.dev.example.com`) is a host name whatever its first label.
        if m.group(1) or _plausible_dotted(m.group(2)):
            yield from emit(m.group(2))


# ---- whose host is it -------------------------------------------------------------------

Markers = tuple[tuple[tuple[str, ...], str], ...]   # (marker tokens, environment), longest first


def marker_tokens(marker: str) -> tuple[str, ...]:
    return tuple(t for t in re.split(r"[.\-_/]", marker.lower()) if t)


def environment_markers(names: dict[str, set[str]]) -> Markers:
    """(tokens, environment) for every marker exactly one environment claims."""
    claims: dict[tuple[str, ...], set[str]] = {}
    for env, markers in names.items():
        for marker in markers:
            tokens = marker_tokens(marker)
            if tokens:
                claims.setdefault(tokens, set()).add(env)
    return tuple(sorted(((tokens, next(iter(envs))) for tokens, envs in claims.items()
                         if len(envs) == 1), key=lambda te: (-len(te[0]), te)))


def owner(host: Host, markers: Markers) -> tuple[str, str] | None:
    """(environment, marker) whose marker the host carries, when exactly one environment's
    markers are found in it (longest markers first, tokens not shared); None otherwise."""
    used = [False] * len(host.tokens)
    found: dict[str, str] = {}
    for tokens, env in markers:
        n = len(tokens)
        for i in range(len(host.tokens) - n + 1):
            if host.tokens[i:i + n] == tokens and not any(used[i:i + n]):
                used[i:i + n] = [True] * n
                found.setdefault(env, "-".join(tokens))
    if len(found) != 1:
        return None
    env, marker = next(iter(found.items()))
    return env, marker

"""Remote Helm charts (`helmCharts:` with `repo:`): which ones a tree uses, how each is keyed in
lamina.lock, and fetching one from an HTTP(S) chart repository (index.yaml, then the .tgz it
names) or an OCI registry (the distribution API's manifest, then the chart layer's blob).

Only `lamina vendor` fetches. The chart is pinned by the sha256 of its archive, checked
against the repository index's `digest` (HTTP) or the manifest's layer digest (OCI), and
unpacked with regular files and folders only: a chart archive cannot write outside its folder
or plant a symlink.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import yaml

from lamina.vendor.lock import VendorError

_MAX_BYTES = 64 * 1024 * 1024
_CHART_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
_MANIFEST_TYPES = ("application/vnd.oci.image.manifest.v1+json, "
                   "application/vnd.docker.distribution.manifest.v2+json")
_SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


@dataclass(frozen=True)
class ChartRef:
    repo: str        # as the kustomization writes it: https://... or oci://...
    name: str
    version: str     # as asked ("" = the newest release)

    @property
    def key(self) -> str:
        """The chart's name in lamina.lock (and for `lamina vendor --update`)."""
        return f"{self.repo.rstrip('/')}/{self.name}@{self.version}" if self.version \
            else f"{self.repo.rstrip('/')}/{self.name}"

    @property
    def is_oci(self) -> bool:
        return self.repo.lower().startswith("oci://")


def chart_refs(doc: dict[str, Any]) -> list[ChartRef]:
    """The remote charts a kustomization's `helmCharts:` lists (local charts have no repo)."""
    out = []
    for item in doc.get("helmCharts") or []:
        if isinstance(item, dict) and item.get("repo") and item.get("name"):
            out.append(ChartRef(str(item["repo"]), str(item["name"]),
                                str(item.get("version") or "")))
    return out


def _semver_key(version: str) -> tuple[int, int, int] | None:
    m = _SEMVER.match(version)
    if m is None or m.group(4):        # Helm skips pre-releases unless asked for one
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def _newest(versions: list[str], what: str) -> str:
    ranked = [(k, v) for v in versions if (k := _semver_key(v)) is not None]
    if not ranked:
        raise VendorError(f"{what}: no released version to pin; name one with `version:`")
    return max(ranked)[1]


def _get(url: str, headers: dict[str, str] | None = None,
         timeout: float = 60.0) -> tuple[bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310
            data = resp.read(_MAX_BYTES + 1)
            got = {k.lower(): v for k, v in resp.headers.items()}
    except urllib.error.HTTPError:
        raise                     # the caller knows what a status means (a 401 challenge)
    except OSError as exc:
        raise VendorError(f"cannot fetch {url}: {exc}") from None
    if len(data) > _MAX_BYTES:
        raise VendorError(f"{url} is larger than {_MAX_BYTES} bytes")
    return data, got


def _http_chart(ref: ChartRef) -> tuple[str, bytes]:
    """The version resolved and the chart archive, from an HTTP(S) chart repository."""
    index_url = ref.repo.rstrip("/") + "/index.yaml"
    try:
        data, _ = _get(index_url)
    except urllib.error.HTTPError as exc:
        raise VendorError(f"cannot fetch {index_url}: HTTP {exc.code}") from None
    try:
        index = yaml.safe_load(data)
    except yaml.YAMLError:
        raise VendorError(f"{index_url} is not a chart repository index") from None
    entries = (index or {}).get("entries", {}).get(ref.name) if isinstance(index, dict) else None
    if not entries:
        raise VendorError(f"chart '{ref.name}' is not in {index_url}")
    by_version = {str(e.get("version")): e for e in entries if isinstance(e, dict)}
    version = ref.version or _newest(list(by_version), f"chart '{ref.name}' in {ref.repo}")
    entry = by_version.get(version)
    if entry is None:
        raise VendorError(f"chart '{ref.name}' has no version '{version}' in {index_url} "
                          "(lamina pins exact versions, not ranges)")
    urls = entry.get("urls") or []
    if not urls:
        raise VendorError(f"{index_url}: chart '{ref.name}' {version} has no download URL")
    archive_url = urljoin(ref.repo.rstrip("/") + "/", str(urls[0]))
    if urlsplit(archive_url).scheme not in ("http", "https"):
        raise VendorError(f"{index_url}: chart URL '{archive_url}' is not http(s)")
    try:
        archive, _ = _get(archive_url)
    except urllib.error.HTTPError as exc:
        raise VendorError(f"cannot fetch {archive_url}: HTTP {exc.code}") from None
    want = str(entry.get("digest") or "")
    if want and hashlib.sha256(archive).hexdigest() != want:
        raise VendorError(f"{archive_url} does not match the digest {index_url} gives for it")
    return version, archive


def _registry(ref: ChartRef) -> tuple[str, str]:
    """(base URL of the registry's API, repository path) for `oci://host/path` + name.
    Loopback registries are spoken to over plain HTTP (as Docker does for localhost)."""
    rest = ref.repo[len("oci://"):].rstrip("/")
    host, _, path = rest.partition("/")
    hostname = host.rsplit(":", 1)[0] if not host.startswith("[") else host
    scheme = "http" if hostname in ("localhost", "127.0.0.1", "[::1]") else "https"
    return f"{scheme}://{host}", "/".join(p for p in (path, ref.name) if p)


def _oci_get(url: str, accept: str, token: list[str]) -> tuple[bytes, dict[str, str]]:
    """GET with the registry's anonymous bearer-token handshake (ghcr.io, docker.io...)."""
    headers = {"Accept": accept}
    if token:
        headers["Authorization"] = f"Bearer {token[0]}"
    try:
        return _get(url, headers)
    except urllib.error.HTTPError as exc:
        challenge = exc.headers.get("WWW-Authenticate", "") if exc.headers else ""
        if exc.code != 401 or token or not challenge.lower().startswith("bearer "):
            raise VendorError(f"cannot fetch {url}: HTTP {exc.code}") from None
    params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
    realm = params.pop("realm", "")
    if urlsplit(realm).scheme not in ("http", "https"):
        raise VendorError(f"{url}: the registry's token realm '{realm}' is not http(s)")
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
    try:
        body, _ = _get(f"{realm}?{query}" if query else realm)
    except urllib.error.HTTPError as exc:
        raise VendorError(f"cannot get a registry token from {realm}: HTTP {exc.code}; "
                          "private registries are not supported yet") from None
    found = json.loads(body or b"{}")
    token.append(str(found.get("token") or found.get("access_token") or ""))
    return _oci_get(url, accept, token)


def _oci_chart(ref: ChartRef) -> tuple[str, bytes, str]:
    """The version resolved, the chart archive and the manifest digest, from a registry."""
    base, repo = _registry(ref)
    token: list[str] = []
    version = ref.version
    if not version:
        body, _ = _oci_get(f"{base}/v2/{repo}/tags/list", "application/json", token)
        tags = [str(t) for t in (json.loads(body).get("tags") or [])]
        version = _newest([t.replace("_", "+") for t in tags], f"{ref.repo}/{ref.name}")
    tag = version.replace("+", "_")    # OCI tags cannot hold '+': Helm writes '_'
    body, _ = _oci_get(f"{base}/v2/{repo}/manifests/{tag}", _MANIFEST_TYPES, token)
    manifest_digest = "sha256:" + hashlib.sha256(body).hexdigest()
    try:
        manifest = json.loads(body)
    except ValueError:
        raise VendorError(f"{ref.repo}/{ref.name}:{tag}: the registry sent no manifest") from None
    layers = [x for x in manifest.get("layers") or [] if x.get("mediaType") == _CHART_LAYER]
    if len(layers) != 1:
        raise VendorError(f"{ref.repo}/{ref.name}:{tag} is not a Helm chart (no chart layer)")
    digest = str(layers[0].get("digest") or "")
    if not digest.startswith("sha256:"):
        raise VendorError(f"{ref.repo}/{ref.name}:{tag}: unsupported layer digest '{digest}'")
    archive, _ = _oci_get(f"{base}/v2/{repo}/blobs/{digest}", "*/*", token)
    if "sha256:" + hashlib.sha256(archive).hexdigest() != digest:
        raise VendorError(f"{ref.repo}/{ref.name}:{tag}: the chart blob does not match its "
                          "digest")
    return version, archive, manifest_digest


def fetch_chart(ref: ChartRef) -> tuple[str, bytes, str]:
    """(version, archive bytes, pin) for a remote chart; the pin is the OCI manifest digest
    or the archive's sha256."""
    if ref.is_oci:
        return _oci_chart(ref)
    if not ref.repo.lower().startswith(("http://", "https://")):
        raise VendorError(f"helm chart repository '{ref.repo}' must be an http(s) or oci:// URL")
    version, archive = _http_chart(ref)
    return version, archive, "sha256:" + hashlib.sha256(archive).hexdigest()


def unpack(archive: bytes, name: str, dest: str) -> None:
    """The chart folder `name/` of a chart archive, written into `dest` (regular files and
    folders only; nothing outside `dest`)."""
    try:
        tar = tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz")
    except (tarfile.TarError, OSError):
        raise VendorError(f"chart '{name}': not a gzipped tar archive") from None
    total = 0
    with tar:
        for member in tar.getmembers():
            parts = member.name.replace("\\", "/").split("/")
            if member.name.startswith("/") or ".." in parts or parts[0] != name:
                raise VendorError(f"chart '{name}': archive member '{member.name}' is outside "
                                  f"the chart folder '{name}/'")
            rel = "/".join(p for p in parts[1:] if p not in ("", "."))
            if member.isdir():
                os.makedirs(os.path.join(dest, rel), exist_ok=True)
                continue
            if not member.isfile():
                raise VendorError(f"chart '{name}': '{member.name}' is a link or special file; "
                                  "vendored charts hold plain files only")
            total += member.size
            if total > _MAX_BYTES:
                raise VendorError(f"chart '{name}': unpacks to more than {_MAX_BYTES} bytes")
            source = tar.extractfile(member)
            if source is None:
                continue
            target = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as fh:
                fh.write(source.read())
    if not os.path.isfile(os.path.join(dest, "Chart.yaml")):
        raise VendorError(f"chart '{name}': the archive has no {name}/Chart.yaml")

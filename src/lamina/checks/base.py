"""What a check sees and what it reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from lamina.model.labels import label_selector_matches as label_selector_matches  # checks use it from here
from lamina.errors import SourceRef
from lamina.model.objref import ObjectRef
from lamina.yaml.positions import FieldPath
from lamina.yaml.patch_positions import field_source

ERROR, WARNING = "error", "warning"
PodTemplate = tuple[dict[str, Any], dict[str, Any]]      # (pod metadata, pod spec)
LEVELS = (ERROR, WARNING)


@dataclass(frozen=True)
class Finding:
    check: str                      # the check's ID
    level: str                      # error | warning
    message: str                    # never contains a Secret's value
    environment: str
    resource: str                   # Kind/namespace/name
    source: SourceRef | None = None  # the user's file (and line) the resource came from
    rendered: str | None = None      # the rendered file, when there is one
    related: tuple[str, ...] = ()    # the other end of a consistency finding
    field: FieldPath = ()            # the field the finding is about; `source` points at it

    def location(self) -> str:
        if self.source is not None:
            return str(self.source)
        return self.rendered or self.resource

    def via(self) -> str:
        """` (via base/deployment.yaml.j2:7)` when `source` is the values line (or `--set`)
        that set the field through a template line (yaml/value_positions.py), else ""."""
        via = getattr(self.source, "via", None)
        return f" (via {via})" if via is not None else ""

    def file_source(self) -> SourceRef | None:
        """`source` when it names a file; for a value given by `--set`, the template line it
        went through (annotations and SARIF need a file)."""
        if self.source is not None and self.source.path.startswith("-"):
            return getattr(self.source, "via", None)
        return self.source


@dataclass(frozen=True)
class Obj:
    """A rendered resource as checks see it: plain data plus where it came from. Checks
    never change `data`, so what they read from it most is worked out once, up front:
    kind, api_version, group, metadata, name, namespace, ref (its ObjectRef), ident (the
    ref's text, `Kind/namespace/name`, as findings name it) and pod are plain attributes."""

    data: dict[str, Any]
    source: SourceRef | None = None
    rendered: str | None = None
    # Worked out from `data` by __post_init__ (a frozen dataclass sets its own derived
    # fields through object.__setattr__); not compared, since `data` decides them.
    kind: str = field(init=False, compare=False)
    api_version: str = field(init=False, compare=False)
    group: str = field(init=False, compare=False)
    metadata: dict[str, Any] = field(init=False, compare=False, repr=False)
    name: str = field(init=False, compare=False)
    namespace: str = field(init=False, compare=False)
    ref: ObjectRef = field(init=False, compare=False, repr=False)
    ident: str = field(init=False, compare=False)
    # (pod metadata, pod spec) of a Pod or of a workload's pod template: several checks ask.
    pod: PodTemplate | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        data = self.data
        set_ = object.__setattr__
        kind = str(data.get("kind") or "")
        api_version = str(data.get("apiVersion") or "")
        md = data.get("metadata")
        if not isinstance(md, dict):
            md = {}
        name = str(md.get("name") or "")
        namespace = str(md.get("namespace") or "")
        set_(self, "kind", kind)
        set_(self, "api_version", api_version)
        set_(self, "group", api_version.rpartition("/")[0])
        set_(self, "metadata", md)
        set_(self, "name", name)
        set_(self, "namespace", namespace)
        ref = ObjectRef(api_version.rpartition("/")[0], kind, namespace, name)
        set_(self, "ref", ref)
        set_(self, "ident", str(ref))
        set_(self, "pod", _pod_template(self))

    def labels(self) -> dict[str, Any]:
        v = self.metadata.get("labels")
        return v if isinstance(v, dict) else {}

    def annotations(self) -> dict[str, Any]:
        v = self.metadata.get("annotations")
        return v if isinstance(v, dict) else {}


@dataclass(frozen=True)
class Context:
    """One environment's rendered resources plus what checks may need around them."""

    environment: str
    objects: tuple[Obj, ...]
    kubernetes_version: str | None = None
    other_environments: dict[str, tuple[str, ...]] = field(default_factory=dict)  # env -> hosts/namespaces
    own_hosts: tuple[str, ...] = ()
    # env -> the markers lamina.yaml declares for it (`markers:`), every environment's
    environment_markers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    external: tuple[dict[str, Any], ...] = ()          # objects declared to exist elsewhere
    allow_plaintext_secrets: bool = False
    crds: tuple[dict[str, Any], ...] = ()              # extra CRDs (--crd-dir)
    # (kustomization, line, field, index, what) of each patch or replacement target that
    # selected nothing in the build (project/render.py; the unmatched-patch check)
    unmatched_patches: tuple[tuple[str, int | None, str, int, str], ...] = ()
    root: str = ""      # the folder Obj.source paths are relative to ("" = working directory)
    policies: tuple[Any, ...] = ()                     # policies.model.PolicyDoc from lamina.yaml
    policy_skip: tuple[str, ...] = ()                  # policy names this environment skips

    def finding(self, check: str, level: str, obj: Obj, message: str,
                related: tuple[str, ...] = (), at: FieldPath = ()) -> Finding:
        """A finding about `obj`; `at` is the field it is about (see yaml/positions.py for
        the steps), and the finding then points at the line that writes that field."""
        return Finding(check, level, message, self.environment, obj.ident,
                       self.locate(obj, at), obj.rendered, related, tuple(at))

    def locate(self, obj: Obj, at: FieldPath) -> SourceRef | None:
        """file:line of field `at` of `obj` (the document's line when `at` is empty or the
        file no longer holds it)."""
        if not at or obj.source is None:
            return obj.source
        return field_source(obj.source, at, self.root, obj.data)


# ---- pods inside workloads ---------------------------------------------------------------

_POD_TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"), "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"), "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"), "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}


def pod_template(obj: Obj) -> PodTemplate | None:
    """(pod metadata, pod spec) of a Pod or of a workload's pod template (worked out once,
    when the Obj is made)."""
    return obj.pod


def _pod_template(obj: Obj) -> PodTemplate | None:
    if obj.kind == "Pod":
        spec = obj.data.get("spec")
        return (obj.metadata, spec) if isinstance(spec, dict) else None
    path = _POD_TEMPLATE_PATHS.get(obj.kind)
    if path is None:
        # A custom workload (Argo Rollout, OpenKruise CloneSet, ...) whose spec.template is a
        # pod template: its pods are as real as a Deployment's.
        spec = obj.data.get("spec")
        template = spec.get("template") if isinstance(spec, dict) else None
        if not (obj.group and isinstance(template, dict) and isinstance(template.get("spec"), dict)
                and isinstance(template["spec"].get("containers"), list)):
            return None
        path = ("spec", "template")
    node: Any = obj.data
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, dict) or not isinstance(node.get("spec"), dict):
        return None
    md = node["metadata"] if isinstance(node.get("metadata"), dict) else {}
    return md, node["spec"]


def named_path(data: Any, path: Any) -> FieldPath:
    """`path` (keys and list indexes into `data`) with each index of a list item that has a
    `name` turned into a (name, value) step (yaml/patch_positions.py, the one owner)."""
    from lamina.yaml.patch_positions import named_path as named
    return named(data, tuple(path))


def pod_spec_path(obj: Obj) -> FieldPath:
    """The field path of `obj`'s pod spec (as pod_template finds it), for Context.finding."""
    if obj.kind == "Pod":
        return ("spec",)
    return _POD_TEMPLATE_PATHS.get(obj.kind, ("spec", "template")) + ("spec",)


def container_path(obj: Obj, field: str, container: dict[str, Any]) -> FieldPath:
    """The field path of one container of `obj`'s pod spec, by name (patches may reorder
    containers; the name still finds the one in the source file)."""
    name = container.get("name")
    if isinstance(name, str):
        return pod_spec_path(obj) + (field, ("name", name))
    spec = pod_template(obj)
    items = spec[1].get(field) if spec is not None else None
    index = next((i for i, c in enumerate(items or []) if c is container), 0)
    return pod_spec_path(obj) + (field, index)


def pod_specs(objects: tuple[Obj, ...]) -> Iterator[tuple[Obj, dict[str, Any]]]:
    """(object, pod spec) for every Pod and workload with a pod template."""
    for obj in objects:
        tpl = pod_template(obj)
        if tpl is not None:
            yield obj, tpl[1]


def containers(spec: dict[str, Any], init: bool = True) -> Iterator[tuple[str, dict[str, Any]]]:
    """(field, container) for containers and, optionally, initContainers."""
    fields = ("containers", "initContainers") if init else ("containers",)
    for f in fields:
        for c in spec.get(f) or []:
            if isinstance(c, dict):
                yield f, c


def selector_matches(selector: dict[str, Any], labels: dict[str, Any]) -> bool:
    """A Service-style selector (equality map) against labels; an empty one matches nothing."""
    if not selector:
        return False
    return all(str(labels.get(k)) == str(v) and k in labels for k, v in selector.items())


class PodIndex:
    """Pod templates by (namespace, label, value), to find the pods an equality selector
    (a Service's) matches without comparing it with every pod. `usable` is False when some
    pod's labels are not a mapping: callers then compare one by one as before (and trip
    where they tripped before)."""

    def __init__(self, pods: list[tuple[Obj, tuple[dict[str, Any], dict[str, Any]]]]):
        self.pods = pods
        self.usable = True
        index: dict[tuple[str, Any, str], list[int]] = {}
        for i, (o, (md, _spec)) in enumerate(pods):
            labels = md.get("labels") or {}
            if not isinstance(labels, dict):
                self.usable = False
                break
            ns = o.namespace
            for k, v in labels.items():
                index.setdefault((ns, k, str(v)), []).append(i)
        self.index = index

    def selected(self, namespace: str, selector: dict[str, Any]) -> list[int]:
        """Positions of the pods in `namespace` whose labels `selector` matches, in order
        (as selector_matches decides; an empty selector matches nothing)."""
        if not selector:
            return []
        found: set[int] | None = None
        for k, v in sorted(selector.items(), key=lambda kv: len(self.index.get(
                (namespace, kv[0], str(kv[1])), ()))):
            hits = self.index.get((namespace, k, str(v)))
            if not hits:
                return []
            found = set(hits) if found is None else found.intersection(hits)
            if not found:
                return []
        return sorted(found or ())


# ---- pods an operator creates from a custom resource ----------------------------------------

_BUILTIN_GROUPS = {"", "apps", "batch", "policy", "autoscaling", "extensions", "networking.k8s.io",
                   "rbac.authorization.k8s.io", "storage.k8s.io", "apiextensions.k8s.io",
                   "admissionregistration.k8s.io", "scheduling.k8s.io", "coordination.k8s.io",
                   "discovery.k8s.io", "node.k8s.io", "certificates.k8s.io", "events.k8s.io",
                   "gateway.networking.k8s.io"}
# Custom kinds that never own pods (monitoring, certificates, routing, secrets).
_NOT_POD_OWNERS = {"ServiceMonitor", "PodMonitor", "Probe", "PrometheusRule", "AlertmanagerConfig",
                   "ScrapeConfig", "Certificate", "Issuer", "ClusterIssuer", "CertificateRequest",
                   "ExternalSecret", "SecretStore", "ClusterSecretStore", "SealedSecret",
                   "VirtualService", "DestinationRule", "Gateway", "ServiceEntry", "Sidecar",
                   "PeerAuthentication", "AuthorizationPolicy", "Middleware", "IngressRoute",
                   "Application", "ApplicationSet", "AppProject", "Kustomization", "HelmRelease",
                   "GitRepository", "HelmRepository", "OCIRepository", "ScaledObject",
                   "AnalysisTemplate", "ClusterAnalysisTemplate", "AnalysisRun"}


def _spec_labels(node: Any, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "labels" and isinstance(v, dict):
                out.update({str(a): str(b) for a, b in v.items() if not isinstance(b, (dict, list))})
            else:
                _spec_labels(v, out)
    elif isinstance(node, list):
        for v in node:
            _spec_labels(v, out)


def operator_pods(objects: Iterable[Obj]) -> list[tuple[Obj, dict[str, str]]]:
    """(custom resource, pod labels it declares) for custom resources an operator may turn
    into pods (Prometheus, Alertmanager, a CloudNativePG Cluster...): labels under its spec."""
    out: list[tuple[Obj, dict[str, str]]] = []
    for o in objects:
        if o.group in _BUILTIN_GROUPS or o.kind in _NOT_POD_OWNERS or pod_template(o) is not None:
            continue
        labels: dict[str, str] = {}
        _spec_labels(o.data.get("spec"), labels)
        out.append((o, labels))
    return out


def operator_selects(selector_pairs: dict[str, Any], owner: Obj, labels: dict[str, str]) -> bool:
    """Whether an operator's pods plausibly carry these labels: each is declared in the
    resource's spec, or has the resource's name as its value (operators label their pods
    with the instance name)."""
    if not selector_pairs:
        return False
    return all(labels.get(str(k)) == str(v) or str(v) == owner.name for k, v in selector_pairs.items())

"""Resource identity: group/version/kind plus name and namespace, as Kustomize compares them."""

from __future__ import annotations

from dataclasses import dataclass, field

# Kinds Kustomize's bundled OpenAPI data knows to be cluster scoped. Kustomize decides
# scope from that table (not from the live cluster), and an unknown kind counts as
# namespaced, so a custom resource keeps a `namespace:` set on it.
_CLUSTER_SCOPED: frozenset[tuple[str, str]] = frozenset([
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"),
    ("apiregistration.k8s.io/v1", "APIService"),
    ("apiregistration.k8s.io/v1beta1", "APIService"),
    ("certificates.k8s.io/v1", "CertificateSigningRequest"),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration"),
    ("networking.k8s.io/v1", "IngressClass"),
    ("networking.k8s.io/v1beta1", "IngressClass"),
    ("node.k8s.io/v1", "RuntimeClass"),
    ("node.k8s.io/v1beta1", "RuntimeClass"),
    ("policy/v1beta1", "PodSecurityPolicy"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"),
    ("scheduling.k8s.io/v1", "PriorityClass"),
    ("scheduling.k8s.io/v1beta1", "PriorityClass"),
    ("storage.k8s.io/v1", "CSIDriver"),
    ("storage.k8s.io/v1", "CSINode"),
    ("storage.k8s.io/v1", "StorageClass"),
    ("storage.k8s.io/v1", "VolumeAttachment"),
    ("storage.k8s.io/v1beta1", "CSIDriver"),
    ("storage.k8s.io/v1beta1", "CSINode"),
    ("storage.k8s.io/v1beta1", "StorageClass"),
    ("storage.k8s.io/v1beta1", "VolumeAttachment"),
    ("v1", "ComponentStatus"),
    ("v1", "Namespace"),
    ("v1", "Node"),
    ("v1", "NodeProxyOptions"),
    ("v1", "PersistentVolume"),
])

# Kustomize's legacy resource order: these kinds first, in this order...
ORDER_FIRST = (
    "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition",
    "ServiceAccount", "PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding",
    "ClusterRoleBinding", "ConfigMap", "Secret", "Endpoints", "Service", "LimitRange",
    "PriorityClass", "PersistentVolume", "PersistentVolumeClaim", "Deployment",
    "StatefulSet", "CronJob", "PodDisruptionBudget",
)
# ...and these last.
ORDER_LAST = ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")

_TYPE_ORDER: dict[str, int] = {k: i - len(ORDER_FIRST) for i, k in enumerate(ORDER_FIRST)}
_TYPE_ORDER.update({k: 1 + i for i, k in enumerate(ORDER_LAST)})

DEFAULT_NAMESPACE = "default"
_NOT_A_NAMESPACE = "_non_namespaceable_"


def _split_scoped() -> frozenset[tuple[str, str, str]]:
    out = set()
    for api, kind in _CLUSTER_SCOPED:
        group, sep, version = api.partition("/")
        out.add((group, version, kind) if sep else ("", api, kind))
    return frozenset(out)


_CLUSTER_SCOPED_GVK = _split_scoped()


def split_api_version(api_version: str) -> tuple[str, str]:
    """'apps/v1' -> ('apps', 'v1'); 'v1' -> ('', 'v1')."""
    group, sep, version = api_version.partition("/")
    if not sep:
        return "", api_version
    return group, version


@dataclass(frozen=True, slots=True)
class Gvk:
    group: str = ""
    version: str = ""
    kind: str = ""
    # Set by the build when custom OpenAPI data declares a kind cluster scoped.
    cluster_scoped_hint: bool | None = field(default=None, compare=False, hash=False)

    @classmethod
    def from_api_version(cls, api_version: str, kind: str) -> "Gvk":
        g, v = split_api_version(api_version or "")
        return cls(g, v, kind or "")

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def is_cluster_scoped(self) -> bool:
        if self.cluster_scoped_hint is not None:
            return self.cluster_scoped_hint
        if "/" in self.version:          # only a hand-made Gvk: compare the joined text
            return (self.api_version, self.kind) in _CLUSTER_SCOPED
        # Asked tens of thousands of times per build: no string joining on this path.
        return (self.group, self.version, self.kind) in _CLUSTER_SCOPED_GVK

    def is_selected_by(self, selector: "Gvk") -> bool:
        """Empty selector fields are wildcards."""
        return ((not selector.group or selector.group == self.group)
                and (not selector.version or selector.version == self.version)
                and (not selector.kind or selector.kind == self.kind))

    def sort_key(self) -> tuple[int, str]:
        """Kustomize's legacy order: a per-kind rank, then group_version_kind."""
        stable = "_".join((self.group or "~G", self.version or "~V", self.kind or "~K"))
        return (_TYPE_ORDER.get(self.kind, 0), stable)

    def __str__(self) -> str:
        return ".".join((self.kind or "[noKind]", self.version or "[noVer]", self.group or "[noGrp]"))


@dataclass(frozen=True, slots=True)
class ResId:
    """A resource's identity. Equality treats '' and 'default' namespaces alike, as Kustomize does."""

    gvk: Gvk
    name: str = ""
    namespace: str = ""
    # key(), computed once: ids are compared and indexed far more often than they are made.
    _key: tuple[str, str, str, str, str] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_key", (self.gvk.group, self.gvk.version, self.gvk.kind,
                                          self.name, self.effective_namespace))

    @property
    def kind(self) -> str:
        return self.gvk.kind

    @property
    def effective_namespace(self) -> str:
        if self.gvk.is_cluster_scoped:
            return _NOT_A_NAMESPACE
        if self.namespace in ("", DEFAULT_NAMESPACE):
            return DEFAULT_NAMESPACE
        return self.namespace

    def key(self) -> tuple[str, str, str, str, str]:
        """Hashable identity used for indexing (namespace normalised)."""
        return self._key

    def gvkn_equals(self, other: "ResId") -> bool:
        return self.name == other.name and self.gvk == other.gvk

    def equals(self, other: "ResId") -> bool:
        return self._key == other._key

    def is_selected_by(self, selector: "ResId") -> bool:
        return ((not selector.name or selector.name == self.name)
                and (not selector.namespace or selector.effective_namespace == self.effective_namespace)
                and self.gvk.is_selected_by(selector.gvk))

    def __str__(self) -> str:
        return f"{self.gvk}/{self.name or '[noName]'}.{self.namespace or '[noNs]'}"

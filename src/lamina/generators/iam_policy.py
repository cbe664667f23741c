"""IAMPolicyGenerator: a GKE Workload Identity ServiceAccount from three names.

Kustomize ships this builtin (usable only under `generators:`); lamina keeps it so trees
that use it build unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lamina.errors import KustomizationError
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers.base import PluginContext


def _name(section: Any, key: str) -> str:
    value = section.get(key) if isinstance(section, dict) else None
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class IAMPolicyGenerator:
    cloud: str
    k8s_name: str
    k8s_namespace: str
    gsa_name: str
    project_id: str

    def generate(self) -> ResMap:
        if self.cloud != "gke":
            raise KustomizationError(f"cloud provider {self.cloud} not supported yet")
        metadata: dict[str, Any] = {
            "annotations": {
                "iam.gke.io/gcp-service-account":
                    f"{self.gsa_name}@{self.project_id}.iam.gserviceaccount.com"},
            "name": self.k8s_name,
        }
        if self.k8s_namespace:
            metadata["namespace"] = self.k8s_namespace
        res = Resource({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata})
        res.is_generated = True
        return ResMap([res])


def make(config: dict[str, Any], ctx: PluginContext | None = None) -> IAMPolicyGenerator:
    ks = config.get("kubernetesService") or {}
    sa = config.get("serviceAccount") or {}
    return IAMPolicyGenerator(
        cloud=str(config.get("cloud") or ""),
        k8s_name=_name(ks, "name"), k8s_namespace=_name(ks, "namespace"),
        gsa_name=_name(sa, "name"), project_id=_name(sa, "projectId"))

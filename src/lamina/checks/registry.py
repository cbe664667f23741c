"""The one list of checks: ID -> module. Adding a check is a module plus a line here."""

from __future__ import annotations

import importlib
from types import ModuleType

CHECKS: dict[str, str] = {
    # schema
    "schema": "lamina.checks.schema",
    # consistency across resources
    "service-selector": "lamina.checks.service_selector",
    "service-target-port": "lamina.checks.service_target_port",
    "ingress-backend": "lamina.checks.ingress_backend",
    "dangling-reference": "lamina.checks.dangling_reference",
    "scale-target": "lamina.checks.scale_target",
    "duplicate-id": "lamina.checks.duplicate_id",
    "cross-environment": "lamina.checks.cross_environment",
    "unmatched-patch": "lamina.checks.unmatched_patch",
    # policies
    "image-tag": "lamina.checks.image_tag",
    "resources": "lamina.checks.resources",
    "probes": "lamina.checks.probes",
    "pod-security": "lamina.checks.pod_security",
    "hardening": "lamina.checks.hardening",
    "required-labels": "lamina.checks.required_labels",
    "rbac": "lamina.checks.rbac",
    "network-policy": "lamina.checks.network_policy",
    "admission-policy": "lamina.checks.admission_policy",
    # secrets
    "plaintext-secret": "lamina.checks.plaintext_secret",
    "high-entropy": "lamina.checks.high_entropy",
}


def load(check_id: str) -> ModuleType:
    return importlib.import_module(CHECKS[check_id])

"""pod-security: pods meet the Kubernetes Pod Security Standards, `baseline` by default or
`restricted` (the strict preset, or `level: restricted`).

baseline: no host namespaces, privileged containers, hostPath volumes or host ports; added
capabilities only from the baseline list; no unconfined seccomp or AppArmor; only the
default /proc mount; SELinux types limited; only the safe sysctls.
restricted adds: only ephemeral volume types, allowPrivilegeEscalation false, runAsNonRoot
(a container's own `runAsNonRoot: false` overrides the pod's `true`),
no runAsUser 0, seccomp RuntimeDefault or Localhost, capabilities drop ALL and add at most
NET_BIND_SERVICE.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from lamina.checks.base import ERROR, Context, Finding, containers, pod_spec_path, pod_template
from lamina.yaml.positions import FieldPath

ID = "pod-security"
LEVEL = ERROR

_BASELINE_CAPS = {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                  "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}
_SAFE_SYSCTLS = {"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
                 "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
                 "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
                 "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
                 "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"}
_SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
_RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                       "persistentVolumeClaim", "projected", "secret", "name"}


@dataclass(frozen=True)
class Options:
    level: str = "baseline"


def _baseline(spec: dict[str, Any]) -> Iterator[tuple[str, FieldPath]]:
    """(problem, the field that has it, from the pod spec)"""
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key) is True:
            yield f"{key} is not allowed", (key,)
    psc = spec.get("securityContext") or {}
    if ((psc.get("seccompProfile") or {}).get("type")) == "Unconfined":
        yield "pod seccompProfile Unconfined is not allowed", ("securityContext", "seccompProfile", "type")
    if ((psc.get("appArmorProfile") or {}).get("type")) == "Unconfined":
        yield "pod appArmorProfile Unconfined is not allowed", ("securityContext", "appArmorProfile", "type")
    if (psc.get("seLinuxOptions") or {}).get("type", "") not in _SELINUX_TYPES:
        yield "pod seLinuxOptions.type is not allowed", ("securityContext", "seLinuxOptions", "type")
    for i, sysctl in enumerate(psc.get("sysctls") or []):
        if isinstance(sysctl, dict) and sysctl.get("name") not in _SAFE_SYSCTLS:
            yield f"sysctl {sysctl.get('name')} is not allowed", ("securityContext", "sysctls", i)
    for vol in spec.get("volumes") or []:
        if isinstance(vol, dict) and vol.get("hostPath") is not None:
            yield f"hostPath volume '{vol.get('name')}' is not allowed", _item("volumes", vol) + ("hostPath",)
    for field, c in containers(spec):
        where = f"{field[:-1]} '{c.get('name')}'"
        sc = c.get("securityContext") or {}
        at = _item(field, c, spec)
        sc_at = at + ("securityContext",)
        if sc.get("privileged") is True:
            yield f"{where} is privileged", sc_at + ("privileged",)
        if (sc.get("windowsOptions") or {}).get("hostProcess") is True:
            yield f"{where} is a Windows hostProcess container", sc_at + ("windowsOptions", "hostProcess")
        added = set((sc.get("capabilities") or {}).get("add") or []) - _BASELINE_CAPS
        if added:
            yield f"{where} adds capabilities {', '.join(sorted(added))}", sc_at + ("capabilities", "add")
        if sc.get("procMount") not in (None, "Default"):
            yield f"{where} procMount {sc.get('procMount')} is not allowed", sc_at + ("procMount",)
        if ((sc.get("seccompProfile") or {}).get("type")) == "Unconfined":
            yield f"{where} seccompProfile Unconfined is not allowed", sc_at + ("seccompProfile", "type")
        if ((sc.get("appArmorProfile") or {}).get("type")) == "Unconfined":
            yield f"{where} appArmorProfile Unconfined is not allowed", sc_at + ("appArmorProfile", "type")
        if (sc.get("seLinuxOptions") or {}).get("type", "") not in _SELINUX_TYPES:
            yield f"{where} seLinuxOptions.type is not allowed", sc_at + ("seLinuxOptions", "type")
        for i, port in enumerate(c.get("ports") or []):
            if isinstance(port, dict) and port.get("hostPort") not in (None, 0):
                yield f"{where} uses hostPort {port.get('hostPort')}", at + ("ports", i, "hostPort")


def _restricted(spec: dict[str, Any]) -> Iterator[tuple[str, FieldPath]]:
    psc = spec.get("securityContext") or {}
    for vol in spec.get("volumes") or []:
        if isinstance(vol, dict):
            kinds = set(vol) - _RESTRICTED_VOLUMES
            if kinds:
                yield (f"volume '{vol.get('name')}' of type {', '.join(sorted(kinds))} is not allowed",
                       _item("volumes", vol) + (sorted(kinds)[0],))
    pod_non_root = psc.get("runAsNonRoot") is True
    pod_seccomp = (psc.get("seccompProfile") or {}).get("type")
    if psc.get("runAsUser") == 0:
        yield "pod runAsUser 0 is not allowed", ("securityContext", "runAsUser")
    for field, c in containers(spec):
        where = f"{field[:-1]} '{c.get('name')}'"
        sc = c.get("securityContext") or {}
        sc_at = _item(field, c, spec) + ("securityContext",)
        if sc.get("allowPrivilegeEscalation") is not False:
            yield f"{where} must set allowPrivilegeEscalation: false", sc_at + ("allowPrivilegeEscalation",)
        # The container's setting, when present, overrides the pod's (false undoes it).
        if not (sc["runAsNonRoot"] is True if "runAsNonRoot" in sc else pod_non_root):
            yield f"{where} must set runAsNonRoot: true" + (
                " (its runAsNonRoot: false overrides the pod's true)"
                if sc.get("runAsNonRoot") is False and pod_non_root else ""), sc_at + ("runAsNonRoot",)
        if sc.get("runAsUser") == 0:
            yield f"{where} runAsUser 0 is not allowed", sc_at + ("runAsUser",)
        seccomp = (sc.get("seccompProfile") or {}).get("type") or pod_seccomp
        if seccomp not in ("RuntimeDefault", "Localhost"):
            yield f"{where} must set seccompProfile.type RuntimeDefault or Localhost", sc_at + ("seccompProfile", "type")
        caps = sc.get("capabilities") or {}
        drop = caps.get("drop") or []
        if "ALL" not in drop:
            # Pod Security admission compares with "ALL" exactly (the runtime would not).
            spelled = next((str(d) for d in drop if str(d).upper() == "ALL"), None)
            yield f"{where} must drop ALL capabilities" + (
                f" (drop lists '{spelled}': Pod Security admission accepts only 'ALL', in "
                "capitals)" if spelled else ""), sc_at + ("capabilities", "drop")
        extra = set(caps.get("add") or []) - {"NET_BIND_SERVICE"}
        if extra:
            yield f"{where} may add only NET_BIND_SERVICE, not {', '.join(sorted(extra))}", sc_at + ("capabilities", "add")


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    if options.level not in ("baseline", "restricted"):
        from lamina.checks.config import CheckConfigError
        raise CheckConfigError("checks.rules.pod-security.level must be baseline or restricted")
    for obj in ctx.objects:
        tpl = pod_template(obj)
        if tpl is None:
            continue
        problems = list(_baseline(tpl[1]))
        if options.level == "restricted":
            problems += list(_restricted(tpl[1]))
        base = pod_spec_path(obj)
        for problem, at in problems:
            yield ctx.finding(ID, LEVEL, obj, f"{options.level}: {problem}", at=base + at)


def _item(field: str, item: dict[str, Any], spec: dict[str, Any] | None = None) -> FieldPath:
    """A container's or volume's path from the pod spec: by name (patches may reorder the
    list), else by its index."""
    name = item.get("name")
    if isinstance(name, str):
        return (field, ("name", name))
    items = (spec or {}).get(field) or []
    return (field, next((i for i, x in enumerate(items) if x is item), 0))

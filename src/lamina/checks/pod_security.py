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

from lamina.checks.base import ERROR, Context, Finding, containers, pod_template

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


def _baseline(spec: dict[str, Any]) -> Iterator[str]:
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key) is True:
            yield f"{key} is not allowed"
    psc = spec.get("securityContext") or {}
    if ((psc.get("seccompProfile") or {}).get("type")) == "Unconfined":
        yield "pod seccompProfile Unconfined is not allowed"
    if ((psc.get("appArmorProfile") or {}).get("type")) == "Unconfined":
        yield "pod appArmorProfile Unconfined is not allowed"
    if (psc.get("seLinuxOptions") or {}).get("type", "") not in _SELINUX_TYPES:
        yield "pod seLinuxOptions.type is not allowed"
    for sysctl in psc.get("sysctls") or []:
        if isinstance(sysctl, dict) and sysctl.get("name") not in _SAFE_SYSCTLS:
            yield f"sysctl {sysctl.get('name')} is not allowed"
    for vol in spec.get("volumes") or []:
        if isinstance(vol, dict) and vol.get("hostPath") is not None:
            yield f"hostPath volume '{vol.get('name')}' is not allowed"
    for field, c in containers(spec):
        where = f"{field[:-1]} '{c.get('name')}'"
        sc = c.get("securityContext") or {}
        if sc.get("privileged") is True:
            yield f"{where} is privileged"
        if (sc.get("windowsOptions") or {}).get("hostProcess") is True:
            yield f"{where} is a Windows hostProcess container"
        added = set((sc.get("capabilities") or {}).get("add") or []) - _BASELINE_CAPS
        if added:
            yield f"{where} adds capabilities {', '.join(sorted(added))}"
        if sc.get("procMount") not in (None, "Default"):
            yield f"{where} procMount {sc.get('procMount')} is not allowed"
        if ((sc.get("seccompProfile") or {}).get("type")) == "Unconfined":
            yield f"{where} seccompProfile Unconfined is not allowed"
        if ((sc.get("appArmorProfile") or {}).get("type")) == "Unconfined":
            yield f"{where} appArmorProfile Unconfined is not allowed"
        if (sc.get("seLinuxOptions") or {}).get("type", "") not in _SELINUX_TYPES:
            yield f"{where} seLinuxOptions.type is not allowed"
        for port in c.get("ports") or []:
            if isinstance(port, dict) and port.get("hostPort") not in (None, 0):
                yield f"{where} uses hostPort {port.get('hostPort')}"


def _restricted(spec: dict[str, Any]) -> Iterator[str]:
    psc = spec.get("securityContext") or {}
    for vol in spec.get("volumes") or []:
        if isinstance(vol, dict):
            kinds = set(vol) - _RESTRICTED_VOLUMES
            if kinds:
                yield f"volume '{vol.get('name')}' of type {', '.join(sorted(kinds))} is not allowed"
    pod_non_root = psc.get("runAsNonRoot") is True
    pod_seccomp = (psc.get("seccompProfile") or {}).get("type")
    if psc.get("runAsUser") == 0:
        yield "pod runAsUser 0 is not allowed"
    for field, c in containers(spec):
        where = f"{field[:-1]} '{c.get('name')}'"
        sc = c.get("securityContext") or {}
        if sc.get("allowPrivilegeEscalation") is not False:
            yield f"{where} must set allowPrivilegeEscalation: false"
        # The container's setting, when present, overrides the pod's (false undoes it).
        if not (sc["runAsNonRoot"] is True if "runAsNonRoot" in sc else pod_non_root):
            yield f"{where} must set runAsNonRoot: true" + (
                " (its runAsNonRoot: false overrides the pod's true)"
                if sc.get("runAsNonRoot") is False and pod_non_root else "")
        if sc.get("runAsUser") == 0:
            yield f"{where} runAsUser 0 is not allowed"
        seccomp = (sc.get("seccompProfile") or {}).get("type") or pod_seccomp
        if seccomp not in ("RuntimeDefault", "Localhost"):
            yield f"{where} must set seccompProfile.type RuntimeDefault or Localhost"
        caps = sc.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            yield f"{where} must drop ALL capabilities"
        extra = set(caps.get("add") or []) - {"NET_BIND_SERVICE"}
        if extra:
            yield f"{where} may add only NET_BIND_SERVICE, not {', '.join(sorted(extra))}"


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
        for problem in problems:
            yield ctx.finding(ID, LEVEL, obj, f"{options.level}: {problem}")

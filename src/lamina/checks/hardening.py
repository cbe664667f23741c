"""hardening: pods run as non-root and use no privileged containers, hostPath volumes,
hostNetwork or hostPID.

`runAsNonRoot: true` may be set on the pod or on every container; a non-zero `runAsUser`
(the container's, else the pod's) is as good, as it is for the kubelet. Privileged also
covers adding the capabilities that amount to it (SYS_ADMIN, NET_ADMIN, SYS_PTRACE,
SYS_MODULE, BPF, ALL...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from lamina.checks.base import ERROR, Context, Finding, containers, pod_specs

ID = "hardening"
LEVEL = ERROR


_PRIVILEGED_CAPS = {"ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO",
                    "BPF", "PERFMON", "DAC_READ_SEARCH", "SYS_BOOT", "MAC_ADMIN", "MAC_OVERRIDE"}


@dataclass(frozen=True)
class Options:
    require_non_root: bool = True


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    for obj, spec in pod_specs(ctx.objects):
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            if spec.get(key) is True:
                yield ctx.finding(ID, LEVEL, obj, f"{key} is true")
        for vol in spec.get("volumes") or []:
            if isinstance(vol, dict) and vol.get("hostPath") is not None:
                yield ctx.finding(ID, LEVEL, obj, f"volume '{vol.get('name')}' mounts a hostPath")
        psc = spec.get("securityContext") or {}
        pod_non_root = psc.get("runAsNonRoot") is True
        for field, c in containers(spec):
            sc = c.get("securityContext") or {}
            where = f"{field[:-1]} '{c.get('name')}'"
            if sc.get("privileged") is True:
                yield ctx.finding(ID, LEVEL, obj, f"{where} is privileged")
            added = {str(x).upper().removeprefix("CAP_") for x in
                     (sc.get("capabilities") or {}).get("add") or []} & _PRIVILEGED_CAPS
            if added:
                yield ctx.finding(ID, LEVEL, obj, f"{where} adds capabilities "
                                  f"{', '.join(sorted(added))} (as good as privileged)")
            uid = sc.get("runAsUser", psc.get("runAsUser"))
            non_root_uid = isinstance(uid, int) and not isinstance(uid, bool) and uid > 0
            if options.require_non_root and not (pod_non_root or sc.get("runAsNonRoot") is True
                                                 or non_root_uid) \
                    and sc.get("runAsUser") != 0:   # reported just below
                yield ctx.finding(ID, LEVEL, obj, f"{where} may run as root (set runAsNonRoot: true)")
            if sc.get("runAsUser") == 0:
                yield ctx.finding(ID, LEVEL, obj, f"{where} runs as user 0")

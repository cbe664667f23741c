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

from lamina.checks.base import (ERROR, Context, Finding, container_path, containers,
                                pod_spec_path, pod_specs)

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
                yield ctx.finding(ID, LEVEL, obj, f"{key} is true", at=pod_spec_path(obj) + (key,))
        for i, vol in enumerate(spec.get("volumes") or []):
            if isinstance(vol, dict) and vol.get("hostPath") is not None:
                vol_at = ("name", vol["name"]) if isinstance(vol.get("name"), str) else i
                yield ctx.finding(ID, LEVEL, obj, f"volume '{vol.get('name')}' mounts a hostPath",
                                  at=pod_spec_path(obj) + ("volumes", vol_at, "hostPath"))
        psc = spec.get("securityContext") or {}
        pod_non_root = psc.get("runAsNonRoot") is True
        for field, c in containers(spec):
            sc = c.get("securityContext") or {}
            where = f"{field[:-1]} '{c.get('name')}'"
            at = container_path(obj, field, c)
            sc_at = at + ("securityContext",)
            if sc.get("privileged") is True:
                yield ctx.finding(ID, LEVEL, obj, f"{where} is privileged", at=sc_at + ("privileged",))
            added = {str(x).upper().removeprefix("CAP_") for x in
                     (sc.get("capabilities") or {}).get("add") or []} & _PRIVILEGED_CAPS
            if added:
                yield ctx.finding(ID, LEVEL, obj, f"{where} adds capabilities "
                                  f"{', '.join(sorted(added))} (as good as privileged)",
                                  at=sc_at + ("capabilities", "add"))
            uid = sc.get("runAsUser", psc.get("runAsUser"))
            non_root_uid = isinstance(uid, int) and not isinstance(uid, bool) and uid > 0
            if options.require_non_root and not (pod_non_root or sc.get("runAsNonRoot") is True
                                                 or non_root_uid) \
                    and sc.get("runAsUser") != 0:   # reported just below
                yield ctx.finding(ID, LEVEL, obj, f"{where} may run as root (set runAsNonRoot: true)",
                                  at=sc_at if sc else at)
            if sc.get("runAsUser") == 0:
                yield ctx.finding(ID, LEVEL, obj, f"{where} runs as user 0",
                                  at=sc_at + ("runAsUser",))

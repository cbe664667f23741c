"""hardening: pods run as non-root and use no privileged containers, hostPath volumes,
hostNetwork or hostPID (errors); and, as warnings by default (errors in the strict preset),
a read-only root filesystem, no needless service-account token, no default service
account, and no Secrets in environment variables.

`runAsNonRoot: true` may be set on the pod or on every container; a container's own
`runAsNonRoot` overrides the pod's (so `false` there undoes the pod's `true`, as in
Kubernetes); a non-zero `runAsUser` (the container's, else the pod's) is as good, as it is
for the kubelet. Privileged also covers adding the capabilities that amount to it
(SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, BPF, ALL...).

The options below take `warning` (the default), `error` (the strict preset) or `off`:

- `readOnlyRootFilesystem`: every container sets `securityContext.readOnlyRootFilesystem:
  true` (mount an emptyDir where it must write).
- `serviceAccountToken`: a pod whose service account no Role or ClusterRole binding in the
  rendered tree names does not mount its token (`automountServiceAccountToken: false` on
  the pod or on its ServiceAccount): a token the pod has no use for is a credential an
  attacker gets for free. A pod whose service account is bound (a controller that talks
  to the API) may mount it.
- `defaultServiceAccount`: a pod that runs as the namespace's `default` service account
  mounts no token, and no RoleBinding or ClusterRoleBinding grants the `default` account
  anything (every pod of the namespace would get those rights).
- `secretsInEnv`: no container takes a Secret through `env[].valueFrom.secretKeyRef` or
  `envFrom[].secretRef` (environment variables leak into crash dumps, child processes and
  `kubectl describe`; mount the Secret as a file).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from lamina.checks.base import (ERROR, WARNING, Context, Finding, Obj, container_path, containers,
                                pod_spec_path, pod_specs)
from lamina.yaml.positions import FieldPath

ID = "hardening"
LEVEL = ERROR


_PRIVILEGED_CAPS = {"ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO",
                    "BPF", "PERFMON", "DAC_READ_SEARCH", "SYS_BOOT", "MAC_ADMIN", "MAC_OVERRIDE"}
OPTION_LEVELS = ("error", "warning", "off")


@dataclass(frozen=True)
class Options:
    require_non_root: bool = True
    read_only_root_filesystem: str | bool = WARNING
    service_account_token: str | bool = WARNING
    default_service_account: str | bool = WARNING
    secrets_in_env: str | bool = WARNING


def _level(options: Options, name: str) -> str | None:
    """The level an option's findings take, or None when it is off."""
    value = getattr(options, name)
    if value is True:
        return WARNING
    if value is False or value == "off":
        return None
    if value not in (ERROR, WARNING):
        from lamina.checks.config import CheckConfigError
        camel = "".join(p.capitalize() if i else p for i, p in enumerate(name.split("_")))
        raise CheckConfigError(f"checks.rules.hardening.{camel} must be error, warning or off")
    return str(value)


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    levels = {name: _level(options, name) for name in (
        "read_only_root_filesystem", "service_account_token", "default_service_account",
        "secrets_in_env")}
    accounts = _accounts(ctx) if levels["service_account_token"] or \
        levels["default_service_account"] else None
    for obj, spec in pod_specs(ctx.objects):
        base = pod_spec_path(obj)
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            if spec.get(key) is True:
                yield ctx.finding(ID, LEVEL, obj, f"{key} is true", at=base + (key,))
        for i, vol in enumerate(spec.get("volumes") or []):
            if isinstance(vol, dict) and vol.get("hostPath") is not None:
                vol_at = ("name", vol["name"]) if isinstance(vol.get("name"), str) else i
                yield ctx.finding(ID, LEVEL, obj, f"volume '{vol.get('name')}' mounts a hostPath",
                                  at=base + ("volumes", vol_at, "hostPath"))
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
            # The container's runAsNonRoot, when it sets one, overrides the pod's.
            non_root = sc["runAsNonRoot"] is True if "runAsNonRoot" in sc else pod_non_root
            if options.require_non_root and not (non_root or non_root_uid) \
                    and sc.get("runAsUser") != 0:   # reported just below
                if sc.get("runAsNonRoot") is False and pod_non_root:
                    yield ctx.finding(ID, LEVEL, obj, f"{where} sets runAsNonRoot: false, which "
                                      "overrides the pod's runAsNonRoot: true (remove it, or set "
                                      "a non-zero runAsUser)", at=sc_at + ("runAsNonRoot",))
                else:
                    yield ctx.finding(ID, LEVEL, obj, f"{where} may run as root (set "
                                      "runAsNonRoot: true)", at=sc_at if sc else at)
            if sc.get("runAsUser") == 0:
                yield ctx.finding(ID, LEVEL, obj, f"{where} runs as user 0",
                                  at=sc_at + ("runAsUser",))
            level = levels["read_only_root_filesystem"]
            if level and sc.get("readOnlyRootFilesystem") is not True:
                yield ctx.finding(ID, level, obj, f"{where} does not set readOnlyRootFilesystem: "
                                  "true (mount an emptyDir where it must write)",
                                  at=sc_at + ("readOnlyRootFilesystem",) if sc else at)
            level = levels["secrets_in_env"]
            if level:
                yield from _secrets_in_env(ctx, obj, c, where, at, level)
        if accounts is not None:
            yield from _service_account(ctx, obj, spec, base, accounts, levels)
    if levels["default_service_account"]:
        yield from _default_bound(ctx, levels["default_service_account"])


def _default_bound(ctx: Context, level: str) -> Iterator[Finding]:
    for o in ctx.objects:
        if o.kind not in ("RoleBinding", "ClusterRoleBinding") or \
                o.group != "rbac.authorization.k8s.io":
            continue
        for i, s in enumerate(o.data.get("subjects") or []):
            if isinstance(s, dict) and s.get("kind") == "ServiceAccount" and \
                    s.get("name") == "default":
                ref = o.data["roleRef"] if isinstance(o.data.get("roleRef"), dict) else {}
                yield ctx.finding(ID, level, o, f"grants {ref.get('kind') or 'Role'} "
                                  f"'{ref.get('name')}' to the default service account of namespace "
                                  f"'{s.get('namespace') or o.namespace}': every pod there gets "
                                  "it (bind a dedicated ServiceAccount)", at=("subjects", i))


def _secrets_in_env(ctx: Context, obj: Obj, c: dict[str, Any], where: str, at: FieldPath,
                    level: str) -> Iterator[Finding]:
    for i, env in enumerate(c.get("env") or []):
        ref = ((env or {}).get("valueFrom") or {}).get("secretKeyRef") if isinstance(env, dict) else None
        if isinstance(ref, dict):
            yield ctx.finding(ID, level, obj, f"{where} env '{env.get('name')}' takes Secret "
                              f"'{ref.get('name')}' as an environment variable (mount it as a "
                              "file)", at=at + ("env", ("name", env["name"]) if
                                                isinstance(env.get("name"), str) else i))
    for i, src in enumerate(c.get("envFrom") or []):
        ref = src.get("secretRef") if isinstance(src, dict) else None
        if isinstance(ref, dict):
            yield ctx.finding(ID, level, obj, f"{where} envFrom takes Secret '{ref.get('name')}' "
                              "as environment variables (mount it as a file)",
                              at=at + ("envFrom", i))


# ---- service accounts -------------------------------------------------------------------

@dataclass(frozen=True)
class _Accounts:
    no_automount: frozenset[tuple[str, str]]   # (namespace, name) with automount false
    bound: frozenset[tuple[str, str]]          # (namespace, name) some binding names


def _accounts(ctx: Context) -> _Accounts:
    no_automount, bound = set(), set()
    for o in ctx.objects:
        if o.kind == "ServiceAccount" and o.data.get("automountServiceAccountToken") is False:
            no_automount.add((o.namespace, o.name))
        if o.kind in ("RoleBinding", "ClusterRoleBinding") and \
                o.group == "rbac.authorization.k8s.io":
            for s in o.data.get("subjects") or []:
                if isinstance(s, dict) and s.get("kind") == "ServiceAccount":
                    bound.add((str(s.get("namespace") or o.namespace), str(s.get("name") or "")))
    return _Accounts(frozenset(no_automount), frozenset(bound))


def _service_account(ctx: Context, obj: Obj, spec: dict[str, Any], base: FieldPath,
                     accounts: _Accounts, levels: dict[str, str | None]) -> Iterator[Finding]:
    name = str(spec.get("serviceAccountName") or spec.get("serviceAccount") or "default")
    key = (obj.namespace, name)
    mounted = spec["automountServiceAccountToken"] is not False \
        if "automountServiceAccountToken" in spec else key not in accounts.no_automount
    if not mounted:
        return
    at = base + ("serviceAccountName",) if "serviceAccountName" in spec else base
    if name == "default" and levels["default_service_account"]:
        yield ctx.finding(ID, levels["default_service_account"], obj,
                          "runs as the default service account with its token mounted (give "
                          "it its own ServiceAccount, or set automountServiceAccountToken: "
                          "false)", at=at)
    elif name != "default" and key not in accounts.bound and levels["service_account_token"]:
        yield ctx.finding(ID, levels["service_account_token"], obj,
                          f"mounts the token of service account '{name}', which no role "
                          "binding here names (set automountServiceAccountToken: false)",
                          at=at)

"""Running the configured checks over environments, honouring per-resource ignores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lamina.checks import registry
from lamina.checks.base import ERROR, WARNING, Context, Finding
from lamina.checks.config import IGNORE_ANNOTATION, Rule, ignored
from lamina.yaml.positions import FieldPath

IGNORE_ID = "ignore-annotation"


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    skipped: dict[str, list[str]] = field(default_factory=dict)   # env -> kinds without schema
    checked: int = 0                                                # resources checked

    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == ERROR]

    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == WARNING]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors()) or (strict and bool(self.warnings()))


def _well_formed(ctx: Context) -> Context:
    """The context without objects whose shape the schema rejects (a list where a mapping
    belongs...): the schema check reports those; the other checks need not trip on them."""
    import dataclasses
    from lamina.checks import schema
    from lamina.checks.fastschema import surely_valid
    version = schema.resolve_version(ctx.kubernetes_version)
    keep = []
    for obj in ctx.objects:
        try:
            validator = schema.validator_for(version, obj.api_version, obj.kind, False)
            if validator is None or surely_valid(validator, obj.data) or \
                    next(validator.iter_errors(obj.data), None) is None:
                keep.append(obj)
        except Exception:
            continue
    return dataclasses.replace(ctx, objects=tuple(keep))


def level_of(rule_level: str, default: str, found: str) -> str:
    """A finding's level: the rule's, except that a finding a check reports below its
    default level (an option that warns, such as hardening's readOnlyRootFilesystem) stays
    a warning unless the rule is set to warning anyway."""
    if rule_level == WARNING or found == default:
        return rule_level
    return found


def _run_one(module: Any, rule: Rule, ctx: Context, well_formed: list[Context]) -> list[Finding]:
    """A check's findings; a check that trips over a malformed object runs again without the
    objects the schema rejects, and failing that reports that it could not run."""
    from lamina.checks.config import CheckConfigError
    try:
        return list(module.check(ctx, rule.options))
    except CheckConfigError:
        raise
    except Exception:
        if not well_formed:
            well_formed.append(_well_formed(ctx))
        try:
            return list(module.check(well_formed[0], rule.options))
        except CheckConfigError:
            raise
        except Exception as exc:
            return [Finding(rule.check_id, ERROR, f"the check could not run ({type(exc).__name__}: "
                            f"{str(exc)[:120]}); fix the schema findings first", ctx.environment,
                            "(environment)")]


# Checks whose findings about an object depend on that object alone (and on the check's
# options, the Kubernetes version and, for schema, the CRDs in the context): their results
# can be remembered per object content (project/objcache.py).
# (hardening is not: its service-account options look at ServiceAccounts and bindings.)
PER_OBJECT = ("schema", "image-tag", "resources", "probes", "pod-security",
              "required-labels", "high-entropy")

# One object's remembered findings: (check ID, message, related, field, level) for each
# PER_OBJECT check that ran, in rule order. The field's line is looked up again on use, since
# the file may have moved it without changing the object.
ObjectFindings = tuple[tuple[str, str, tuple[str, ...], FieldPath, str], ...]


@dataclass
class ContextResult:
    """One context's share of a CheckResult, in the order run() lists findings."""

    environment: str
    checked: int = 0
    ignore_findings: list[Finding] = field(default_factory=list)
    by_rule: dict[str, list[Finding]] = field(default_factory=dict)   # check ID -> findings
    skipped: list[str] = field(default_factory=list)
    # Newly computed per-object findings, aligned with the context's objects (None where
    # the caller supplied them, or when they could not be computed object by object).
    per_object: list[ObjectFindings | None] | None = None


def _ignores(ctx: Context, out: ContextResult | None) -> dict[str, dict[str, str]]:
    """Resource -> the checks it opts out of (the last object of an ident decides)."""
    ignores: dict[str, dict[str, str]] = {}
    for obj in ctx.objects:
        if IGNORE_ANNOTATION not in obj.annotations():
            if ignores and obj.ident in ignores:
                ignores[obj.ident] = {}
            continue
        found, bad = ignored(obj.annotations())
        ignores[obj.ident] = found
        if out is not None:
            for entry in bad:
                out.ignore_findings.append(ctx.finding(
                    IGNORE_ID, ERROR, obj, f"{IGNORE_ANNOTATION} entry '{entry}' must be "
                    "'<check-id>: <reason>' naming a known check and giving a reason"))
    return ignores


def _per_object(ctx: Context, rules: list[Rule], cached: list[ObjectFindings | None]
                ) -> list[ObjectFindings] | None:
    """Every object's findings from the PER_OBJECT `rules`: `cached` where given, else by
    running each check once over the objects not cached. None when a check raised there
    (the caller then runs it the ordinary way, over the whole context)."""
    import dataclasses
    from lamina.checks.config import CheckConfigError
    objs = ctx.objects
    misses = [i for i, c in enumerate(cached) if c is None]
    fresh: dict[int, list[tuple[str, str, tuple[str, ...], FieldPath, str]]] = {
        i: [] for i in misses}
    where = {objs[i].rendered: i for i in misses}
    if len(where) != len(misses) or None in where:
        return None      # findings could not be told apart by object
    sub = dataclasses.replace(ctx, objects=tuple(objs[i] for i in misses))
    for rule in rules:
        module = registry.load(rule.check_id)
        try:
            found = list(module.check(sub, rule.options))
        except CheckConfigError:
            raise
        except Exception:
            return None
        for f in found:
            i = where.get(f.rendered)
            if i is None or f.resource != objs[i].ident or f.environment != ctx.environment \
                    or f.source != ctx.locate(objs[i], f.field):
                return None
            fresh[i].append((rule.check_id, f.message, tuple(f.related), tuple(f.field),
                             f.level))
    return [c if c is not None else tuple(fresh[i]) for i, c in enumerate(cached)]


# cross-environment looks at one object at a time too, given the other environments'
# markers and the own hosts, which per_object_key then covers.
PER_OBJECT_GIVEN_MARKERS = ("cross-environment",)


def _per_object_rules(ctx: Context, active: list[Rule], ids: tuple[str, ...]) -> list[Rule]:
    # The schema check of an object depends on the CRDs beside it: not per object then.
    crds = bool(ctx.crds) or any(o.kind == "CustomResourceDefinition" for o in ctx.objects)
    return [r for r in active if r.check_id in ids and not (crds and r.check_id == "schema")]


def per_object_key(ctx: Context, rules: list[Rule], ids: tuple[str, ...] = PER_OBJECT) -> str | None:
    """What the findings of checks `ids` about an object depend on besides the object: the
    checks of them that run per object in this context, their options, the Kubernetes
    version, and for cross-environment the markers and own hosts. None when none runs (or
    the version is invalid: the checks report that)."""
    import hashlib
    from lamina.checks.config import CheckConfigError
    per_rules = _per_object_rules(ctx, [r for r in rules if r.enabled], ids)
    if not per_rules:
        return None
    try:
        from lamina.checks import schema
        version = schema.resolve_version(ctx.kubernetes_version)
    except CheckConfigError:
        return None
    given: tuple[Any, ...] = ()
    if any(r.check_id in PER_OBJECT_GIVEN_MARKERS for r in per_rules):
        given = (list(ctx.other_environments.items()), ctx.own_hosts, ctx.environment,
                 sorted(ctx.environment_markers.items()))
    text = repr((version, [(r.check_id, repr(r.options)) for r in per_rules], given))
    return hashlib.sha256(text.encode()).hexdigest()


def check_context(ctx: Context, rules: list[Rule], cached: list[ObjectFindings | None] | None = None,
                  skip: frozenset[str] = frozenset(), only: frozenset[str] | None = None,
                  ids: tuple[str, ...] = PER_OBJECT) -> ContextResult:
    """The findings of the enabled `rules` (less `skip`, or only `only`) for one context.
    With `cached` (aligned with ctx.objects, None for an object not cached; valid for
    per_object_key(ctx, rules, ids)), the checks `ids` run only over the objects not cached;
    the result's per_object then holds the findings to remember for those."""
    out = ContextResult(ctx.environment)
    active = [r for r in rules if r.enabled and r.check_id not in skip
              and (only is None or r.check_id in only)]
    if only is None:
        out.checked = len(ctx.objects)
    ignores = _ignores(ctx, out if only is None else None)
    per_rules = _per_object_rules(ctx, active, ids)
    per_ids = {r.check_id for r in per_rules}
    results = None
    if cached is not None and per_rules:
        results = _per_object(ctx, per_rules, cached)
        if results is not None:
            out.per_object = [None if c is not None else r for c, r in zip(cached, results)]
    if results is not None:
        with_findings = [(obj, entries) for obj, entries in zip(ctx.objects, results) if entries]
    well_formed: list[Context] = []
    for rule in active:
        if results is not None and rule.check_id in per_ids:
            found = [Finding(check_id, level, message, ctx.environment, obj.ident,
                             ctx.locate(obj, at), obj.rendered, related, at)
                     for obj, entries in with_findings
                     for check_id, message, related, at, level in entries
                     if check_id == rule.check_id]
        else:
            found = _run_one(registry.load(rule.check_id), rule, ctx, well_formed)
        kept = out.by_rule.setdefault(rule.check_id, [])
        default = getattr(registry.load(rule.check_id), "LEVEL", ERROR)
        own_levels = getattr(registry.load(rule.check_id), "OWN_LEVELS", False)
        for finding in found:
            if finding.check in ignores.get(finding.resource, {}):
                continue
            kept.append(Finding(
                finding.check,
                finding.level if own_levels else level_of(rule.level, default, finding.level),
                finding.message,
                finding.environment, finding.resource, finding.source, finding.rendered,
                finding.related, finding.field))
        if rule.check_id == "schema":
            out.skipped = registry.load("schema").skipped_kinds(ctx, rule.options)
    return out


def merge(parts: list[ContextResult], rules: list[Rule]) -> CheckResult:
    """One CheckResult from per-context results (each possibly assembled from several
    check_context calls), findings in run()'s order."""
    result = CheckResult()
    for part in parts:
        result.checked += part.checked
        result.findings.extend(part.ignore_findings)
        for rule in rules:
            result.findings.extend(part.by_rule.get(rule.check_id, ()))
        if part.skipped:
            result.skipped[part.environment] = part.skipped
    result.findings.sort(key=finding_order)
    return result


def finding_order(f: Finding) -> tuple[Any, ...]:
    """Findings by environment, errors first, then by file and line (numerically)."""
    if f.source is not None:
        where: tuple[str, int, int] = (f.source.path, f.source.line or 0, f.source.column or 0)
    else:
        where = (f.location(), 0, 0)
    return (f.environment, f.level != ERROR, where, f.check, f.message)


def run(contexts: list[Context], rules: list[Rule]) -> CheckResult:
    return merge([check_context(ctx, rules) for ctx in contexts], rules)

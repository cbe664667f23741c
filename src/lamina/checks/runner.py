"""Running the configured checks over environments, honouring per-resource ignores."""

from __future__ import annotations

from dataclasses import dataclass, field

from lamina.checks import registry
from lamina.checks.base import ERROR, WARNING, Context, Finding
from lamina.checks.config import IGNORE_ANNOTATION, Rule, ignored

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


def _run_one(module, rule: Rule, ctx: Context, well_formed: list[Context]) -> list[Finding]:
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


def run(contexts: list[Context], rules: list[Rule]) -> CheckResult:
    result = CheckResult()
    for ctx in contexts:
        result.checked += len(ctx.objects)
        ignores: dict[str, dict[str, str]] = {}
        for obj in ctx.objects:
            found, bad = ignored(obj.annotations())
            ignores[obj.ident] = found
            for entry in bad:
                result.findings.append(ctx.finding(
                    IGNORE_ID, ERROR, obj, f"{IGNORE_ANNOTATION} entry '{entry}' must be "
                    "'<check-id>: <reason>' naming a known check and giving a reason"))
        well_formed: list[Context] = []
        for rule in rules:
            if not rule.enabled:
                continue
            module = registry.load(rule.check_id)
            for finding in _run_one(module, rule, ctx, well_formed):
                if finding.check in ignores.get(finding.resource, {}):
                    continue
                result.findings.append(Finding(
                    finding.check, rule.level, finding.message, finding.environment,
                    finding.resource, finding.source, finding.rendered, finding.related))
            if rule.check_id == "schema":
                kinds = registry.load("schema").skipped_kinds(ctx, rule.options)
                if kinds:
                    result.skipped[ctx.environment] = kinds
    result.findings.sort(key=lambda f: (f.environment, f.level != ERROR, f.location(), f.check,
                                        f.message))
    return result

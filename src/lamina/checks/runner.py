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
        for rule in rules:
            if not rule.enabled:
                continue
            module = registry.load(rule.check_id)
            for finding in module.check(ctx, rule.options):
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

"""Plain text: one line per finding, `file:line: level [check] resource: message`."""

from __future__ import annotations


def check_report(result, color: bool = False) -> str:
    lines = []
    for f in result.findings:
        level = f.level
        if color:
            level = ("\033[31m" if f.level == "error" else "\033[33m") + level + "\033[0m"
        where = f.location()
        lines.append(f"{where}: {level} [{f.check}] {f.environment} {f.resource}: {f.message}{f.via()}")
    for env, kinds in sorted(result.skipped.items()):
        lines.append(f"{env}: no schema for {', '.join(kinds)} (skipped)")
    errors, warnings = len(result.errors()), len(result.warnings())
    lines.append(f"{result.checked} resources checked: {errors} errors, {warnings} warnings")
    return "\n".join(lines) + "\n"


def warnings_report(result) -> str:
    """The warnings of a render, grouped by check with a count each (render prints these;
    errors stop the render and are reported by check_report)."""
    warnings = result.warnings()
    if not warnings:
        return ""
    by_check: dict[str, list] = {}
    for f in warnings:
        by_check.setdefault(f.check, []).append(f)
    lines = [f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''} "
             f"(lamina check shows them too; --quiet hides them):"]
    for check in sorted(by_check):
        found = by_check[check]
        lines.append(f"  [{check}] {len(found)}:")
        lines.extend(f"    {f.location()}: {f.environment} {f.resource}: {f.message}{f.via()}"
                     for f in found)
    return "\n".join(lines) + "\n"


def checks_summary(result) -> str:
    """What the checks found, for a render's summary line."""
    if result is None:
        return "checks not run (--no-checks)"
    if not result.checked:
        return "nothing new to check"
    errors, warnings = len(result.errors()), len(result.warnings())
    return (f"checks passed on {result.checked} resources: {errors} error{'s' if errors != 1 else ''}, "
            f"{warnings} warning{'s' if warnings != 1 else ''}")

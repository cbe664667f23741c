"""Plain text: one line per finding, `file:line: level [check] resource: message`."""

from __future__ import annotations


def check_report(result, color: bool = False) -> str:
    lines = []
    for f in result.findings:
        level = f.level
        if color:
            level = ("\033[31m" if f.level == "error" else "\033[33m") + level + "\033[0m"
        where = f.location()
        lines.append(f"{where}: {level} [{f.check}] {f.environment} {f.resource}: {f.message}")
    for env, kinds in sorted(result.skipped.items()):
        lines.append(f"{env}: no schema for {', '.join(kinds)} (skipped)")
    errors, warnings = len(result.errors()), len(result.warnings())
    lines.append(f"{result.checked} resources checked: {errors} errors, {warnings} warnings")
    return "\n".join(lines) + "\n"

"""Diff output: coloured text for terminals, markdown for pull requests, JSON for tools."""

from __future__ import annotations

import json
from typing import Any

from lamina.diff.model import ADDED, CHANGED, REMOVED, EnvironmentDiff

GITHUB_COMMENT_LIMIT = 65_536
_SPLIT_NOTE = "\n\n_(continued in the next comment)_\n"
_TRUNCATED_NOTE = "\n\n_(diff truncated: {n} more resources not shown; run `lamina diff` locally)_\n"


def _paint(text: str, code: str, color: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if color else text


def text(diffs: list[EnvironmentDiff], color: bool = False, show_diff: bool = True) -> str:
    lines = []
    for env in diffs:
        c = env.counts()
        lines.append(_paint(f"== {env.environment}: {c[ADDED]} added, {c[CHANGED]} changed, "
                            f"{c[REMOVED]} removed", "1", color))
        for r in env.resources:
            mark = {ADDED: ("+", "32"), REMOVED: ("-", "31"), CHANGED: ("~", "33")}[r.status]
            renamed = f" (renamed from {r.renamed_from})" if r.renamed_from else ""
            lines.append(_paint(f"{mark[0]} {r.name}{renamed}", mark[1], color))
            for f in r.fields:
                lines.append(f"    {f.summary()}")
            if show_diff and r.status == CHANGED:
                for d in r.unified().splitlines():
                    code = "32" if d.startswith("+") else "31" if d.startswith("-") else "36" \
                        if d.startswith("@@") else ""
                    lines.append("    " + (_paint(d, code, color) if code else d))
    if not any(env.resources for env in diffs):
        lines.append("no changes")
    return "\n".join(lines) + "\n"


def as_json(diffs: list[EnvironmentDiff]) -> str:
    def r(res) -> dict[str, Any]:
        return {"status": res.status, "resource": res.name, "renamedFrom": res.renamed_from,
                "fields": [{"path": f.path, "old": f.old, "new": f.new, "change": f.kind}
                           for f in res.fields]}
    return json.dumps({"environments": [{"environment": e.environment, **e.counts(),
                                         "resources": [r(x) for x in e.resources]}
                                        for e in diffs]}, indent=2, default=str) + "\n"


def _md_resource(res) -> str:
    icon = {ADDED: "+", REMOVED: "-", CHANGED: "~"}[res.status]
    renamed = f" (renamed from `{res.renamed_from}`)" if res.renamed_from else ""
    summary = "; ".join(f.summary() for f in res.fields[:3])
    if len(res.fields) > 3:
        summary += f"; and {len(res.fields) - 3} more"
    body = res.unified() if res.status == CHANGED else ""
    if res.status != CHANGED:
        from lamina.diff.model import redact
        from lamina.yaml import dump
        obj = res.new if res.status == ADDED else res.old
        body = "".join(("+" if res.status == ADDED else "-") + line
                       for line in dump(redact(obj)).splitlines(True))
    head = f"<details><summary>{icon} <code>{res.name}</code>{renamed}"
    if summary:
        head += f": {summary.replace('<', '&lt;')}"
    return f"{head}</summary>\n\n```diff\n{body.rstrip()}\n```\n\n</details>\n"


def markdown(diffs: list[EnvironmentDiff], limit: int = GITHUB_COMMENT_LIMIT) -> list[str]:
    """One or more comments, each below `limit` characters: a summary table first, then a
    collapsible diff per resource. A resource too large for one comment is cut with a note."""
    table = ["### lamina diff", "", "| environment | added | changed | removed |",
             "|---|---:|---:|---:|"]
    for env in diffs:
        c = env.counts()
        table.append(f"| {env.environment} | {c[ADDED]} | {c[CHANGED]} | {c[REMOVED]} |")
    blocks = []
    for env in diffs:
        if env.resources:
            blocks.append(f"\n#### {env.environment}\n\n")
            blocks.extend(_md_resource(r) for r in env.resources)
    comments, current = [], "\n".join(table) + "\n"
    budget = limit - len(_SPLIT_NOTE) - 200
    for i, block in enumerate(blocks):
        if len(block) > budget:
            keep = budget - len(current) - 100 if len(current) < budget // 2 else budget - 100
            block = block[:max(keep, 0)] + "\n```\n\n_(this resource's diff was truncated)_\n</details>\n"
        if len(current) + len(block) > budget:
            comments.append(current + _SPLIT_NOTE)
            current = "### lamina diff (continued)\n"
        current += block
    comments.append(current)
    assert all(len(c) < limit for c in comments)
    return comments

"""Diff output: coloured text for terminals, markdown for pull requests, JSON for tools."""

from __future__ import annotations

import json
import re
from typing import Any

from lamina.diff.model import ADDED, CHANGED, REMOVED, EnvironmentDiff
from lamina.report.registry import Formats

GITHUB_COMMENT_LIMIT = 65_536
# Between the comments of `--format markdown` (each fits one GitHub comment).
COMMENT_SEPARATOR = "\n<!-- lamina: next comment -->\n"
_SPLIT_NOTE = "\n\n_(continued in the next comment)_\n"


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


def as_json(diffs: list[EnvironmentDiff], color: bool = False) -> str:
    def r(res) -> dict[str, Any]:
        return {"status": res.status, "resource": res.name, "renamedFrom": res.renamed_from,
                "fields": [{"path": f.path, "old": f.old, "new": f.new, "change": f.kind}
                           for f in res.fields]}
    return json.dumps({"environments": [{"environment": e.environment, **e.counts(),
                                         "resources": [r(x) for x in e.resources]}
                                        for e in diffs]}, indent=2, default=str) + "\n"


def _fence(body: str) -> str:
    """A code fence longer than any backtick run in the body, so the body cannot close it."""
    longest = max((len(m) for m in re.findall(r"`{3,}", body)), default=0)
    return "`" * max(3, longest + 1)


def _md_head(res) -> str:
    icon = {ADDED: "+", REMOVED: "-", CHANGED: "~"}[res.status]
    renamed = f" (renamed from `{res.renamed_from}`)" if res.renamed_from else ""
    summary = "; ".join(f.summary() for f in res.fields[:3])
    if len(res.fields) > 3:
        summary += f"; and {len(res.fields) - 3} more"
    head = f"<details><summary>{icon} <code>{res.name}</code>{renamed}{{part}}"
    if summary:
        head += f": {summary.replace('&', '&amp;').replace('<', '&lt;')}"
    return head + "</summary>\n\n"


def _md_body(res) -> str:
    if res.status == CHANGED:
        return res.unified()
    from lamina.yaml import dump
    obj = res.new if res.status == ADDED else res.old
    return "".join(("+" if res.status == ADDED else "-") + line
                   for line in dump(res.redactor.object(obj)).splitlines(True))


def _md_pieces(res, max_len: int) -> list[str]:
    """The resource's collapsible diff; when longer than max_len, several collapsibles
    ("part i of n") cut at line boundaries, so nothing is lost."""
    head, body = _md_head(res), _md_body(res).rstrip("\n")
    fence = _fence(body)

    def wrap(text: str, part: str) -> str:
        return f"{head.replace('{part}', part)}{fence}diff\n{text}\n{fence}\n\n</details>\n"
    whole = wrap(body, "")
    if len(whole) <= max_len:
        return [whole]
    room = max(max_len - len(wrap("", " (part 9999 of 9999)")) - 2, 200)
    lines: list[str] = []
    for line in body.split("\n"):
        while len(line) > room:
            lines.append(line[:room])
            line = line[room:]
        lines.append(line)
    chunks, current = [], ""
    for line in lines:
        if current and len(current) + len(line) + 1 > room:
            chunks.append(current)
            current = ""
        current += ("\n" if current else "") + line
    chunks.append(current)
    n = len(chunks)
    return [wrap(chunk, f" (part {i} of {n})") for i, chunk in enumerate(chunks, 1)]


def _md_resource(res) -> str:
    return _md_pieces(res, 1 << 62)[0]


def markdown(diffs: list[EnvironmentDiff], limit: int = GITHUB_COMMENT_LIMIT) -> list[str]:
    """One or more comments, each below `limit` characters: a summary table first, then a
    collapsible diff per resource. A continued comment repeats the environment's heading; a
    resource too large for one comment is split into parts at line boundaries."""
    table = ["### lamina diff", "", "| environment | added | changed | removed |",
             "|---|---:|---:|---:|"]
    for env in diffs:
        c = env.counts()
        table.append(f"| {env.environment} | {c[ADDED]} | {c[CHANGED]} | {c[REMOVED]} |")
    budget = limit - len(_SPLIT_NOTE) - 200
    comments: list[str] = []
    current = ""
    fresh = True            # nothing but headings in the current comment yet
    open_env: str | None = None

    def continued_head() -> str:
        head = "### lamina diff (continued)\n"
        if open_env is not None:
            head += f"\n#### {open_env} (continued)\n\n"
        return head

    def add(unit: str) -> None:
        nonlocal current, fresh
        if current and not fresh and len(current) + len(unit) > budget:
            comments.append(current + _SPLIT_NOTE)
            current = continued_head()
            fresh = True
        current += unit
        fresh = False

    for line in table:
        add(line + "\n")
    for env in diffs:
        if not env.resources:
            continue
        heading = f"\n#### {env.environment}\n\n"
        open_env = env.environment
        room = budget - len(continued_head()) - len(heading) - 1
        pieces = [p for res in env.resources for p in _md_pieces(res, room)]
        open_env = None          # the heading travels with the first piece
        add(heading + pieces[0])
        open_env = env.environment
        for piece in pieces[1:]:
            add(piece)
    comments.append(current)
    assert all(len(c) < limit for c in comments)
    return comments


def markdown_report(diffs: list[EnvironmentDiff], color: bool = False) -> str:
    """The comments of `markdown`, one after the other with a marker between them."""
    return COMMENT_SEPARATOR.join(markdown(diffs))


# `lamina diff --format`: the same registry type as `lamina check --format` (report/registry.py).
DIFF_FORMATS = Formats((
    ("text", "lamina.diff.formats:text"),
    ("markdown", "lamina.diff.formats:markdown_report"),
    ("json", "lamina.diff.formats:as_json"),
))

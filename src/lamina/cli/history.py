"""`lamina history [ENV]` and `lamina status`: what the rendered branch says, as text or
json (stdout); which copy of the branch was read goes to stderr."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Any

import click

from lamina.cli.output import say


def _ago(seconds: int | None) -> str:
    if seconds is None:
        return "unknown age"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} old"
    return "just now"


def _json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=True) + "\n")


@click.command()
@click.argument("environment", required=False)
@click.option("--branch", default=None, help="Rendered branch (default: lamina.yaml, or 'rendered').")
@click.option("--remote", default=None, help="The remote whose copy is the record (default: origin).")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True,
              help="At most this many commits (0: all).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--project", "project_dir", default=".", type=click.Path(file_okay=False))
def history(environment: str | None, branch: str | None, remote: str | None, limit: int,
            fmt: str, project_dir: str) -> None:
    """Newest first: each rendered commit of ENVIRONMENT (default: all), its source commit,
    who published it and when, holds and releases, and the resources it changed."""
    from lamina.api.history import HistoryOptions, history as run_history
    result = run_history(HistoryOptions(environment=environment, project_dir=project_dir,
                                        branch=branch, remote=remote, limit=limit or None))
    say(result.read_from)
    if fmt == "json":
        _json({"branch": result.branch, "readFrom": result.read_from, "entries": [
            {**{k: v for k, v in asdict(e).items() if k not in ("changes", "hold")},
             "hold": asdict(e.hold) if e.hold else None,
             "changes": {env: c.as_json() for env, c in e.changes.items()}}
            for e in result.entries]})
        return
    for e in result.entries:
        click.echo(f"{e.rendered[:12]}  {e.date}  {e.kind}  by {e.published_by}")
        click.echo(f"    source {e.source[:12]}: {e.subject}")
        if e.hold is not None:
            click.echo(f"    hold: {e.hold.environment} rolled back to {e.hold.rendered_to[:12]} "
                       f"(source {e.hold.source[:12]}): {e.hold.reason or '(no reason given)'}")
        for env in e.released:
            click.echo(f"    released: {env}: {e.reason}")
        if e.held:
            click.echo(f"    held, left as they were: {', '.join(e.held)}")
        if e.forced:
            click.echo(f"    forced: {e.forced}")
        if e.dirty:
            click.echo(f"    dirty: {e.dirty}")
        for changes in e.changes.values():
            for line in changes.lines():
                click.echo(f"    {line}")


@click.command()
@click.option("--branch", default=None, help="Rendered branch (default: lamina.yaml, or 'rendered').")
@click.option("--remote", default=None, help="The remote whose copy is the record (default: origin).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--project", "project_dir", default=".", type=click.Path(file_okay=False))
def status(branch: str | None, remote: str | None, fmt: str, project_dir: str) -> None:
    """Each environment's current source commit, its age, and whether it is held."""
    from lamina.api.history import StatusOptions, status as run_status
    result = run_status(StatusOptions(project_dir=project_dir, branch=branch, remote=remote))
    say(result.read_from)
    if fmt == "json":
        _json({"branch": result.branch, "readFrom": result.read_from, "tip": result.tip,
               "environments": [{**{k: v for k, v in asdict(s).items() if k != "hold"},
                                 "held": s.hold is not None,
                                 "hold": asdict(s.hold) if s.hold else None}
                                for s in result.environments]})
        return
    width = max((len(s.environment) for s in result.environments), default=0)
    for s in result.environments:
        state = f"HELD since {s.hold.since} by {s.hold.by}: {s.hold.reason or '(no reason given)'}" \
            if s.hold else "following the source"
        dirty = " (published dirty)" if s.dirty else ""
        click.echo(f"{s.environment:<{width}}  {s.source[:12]}  {_ago(s.age_seconds)}  "
                   f"{s.subject}{dirty}  [{state}]")

"""`lamina render [ENV...]`: every environment into rendered/, one file per resource."""

from __future__ import annotations

import sys
import time

import click

from lamina.cli.output import lock_timeout_option, say
from lamina.cli.values_options import values_from_flags, values_options


@click.command()
@click.argument("environments", nargs=-1)
@click.option("-o", "--output", default=None, type=click.Path(file_okay=False),
              help="Output folder (default: lamina.yaml's output.dir, or rendered/).")
@click.option("--output-outside-repo", is_flag=True,
              help="Allow an output folder (-o) outside the project root.")
@click.option("--project", "project_dir", default=".", type=click.Path(file_okay=False),
              help="The project root (where lamina.yaml or overlays/ is).")
@click.option("--check", is_flag=True,
              help="Render and compare with the output folder; exit 1 naming what differs.")
@click.option("--exit-code", is_flag=True,
              help="Exit 1 when a file was written or removed (a pre-commit hook's test).")
@click.option("--all", "render_all", is_flag=True,
              help="Render every environment even when its inputs are unchanged.")
@click.option("--argocd-apps", is_flag=True,
              help="Also write one Argo CD Application per environment (app of apps).")
@click.option("--argocd-appset", is_flag=True,
              help="Also write one Argo CD ApplicationSet (an element per environment and "
                   "cluster).")
@click.option("--flux", is_flag=True,
              help="Also write a Flux GitRepository and one Kustomization per environment "
                   "and cluster.")
@click.option("--repo-url", default=None,
              help="Repository URL for --argocd-apps, --argocd-appset and --flux.")
@click.option("--jobs", type=int, default=0, help="Parallel renders (default: one per core).")
@click.option("--no-checks", is_flag=True, help="Write even when checks would fail (not for CI).")
@click.option("-q", "--quiet", is_flag=True, help="Do not print the checks' warnings.")
@lock_timeout_option
@values_options
def render(environments: tuple[str, ...], output: str | None, output_outside_repo: bool,
           project_dir: str, check: bool, exit_code: bool, render_all: bool,
           argocd_apps: bool, argocd_appset: bool, flux: bool, repo_url: str | None,
           jobs: int, no_checks: bool, quiet: bool, lock_timeout: float,
           values_files: tuple[str, ...], sets: tuple[str, ...],
           set_strings: tuple[str, ...]) -> None:
    """Render ENVIRONMENTS (default: all) of the project."""
    from lamina.api.render import RenderOptions, render as run_render
    from lamina.cli.progress import progress
    if argocd_apps and argocd_appset:
        raise click.UsageError("--argocd-apps and --argocd-appset are two forms of the same "
                               "objects: choose one")
    started = time.monotonic()
    with progress("rendering...") as report:
        outcome = run_render(RenderOptions(
            project_dir=project_dir, environments=environments, output=output, check=check,
            render_all=render_all, argocd_apps=argocd_apps, argocd_appset=argocd_appset,
            flux=flux, repo_url=repo_url, jobs=jobs,
            values=values_from_flags(values_files, sets, set_strings),
            run_checks=not no_checks, output_outside_repo=output_outside_repo,
            lock_timeout=lock_timeout), progress=report, notify=say)
    seconds = time.monotonic() - started
    from lamina.api.render import checks_summary, warnings_report
    result = outcome.checks if not no_checks else None
    if result is not None and not quiet:
        click.echo(warnings_report(result), nl=False, err=True)
    summary = checks_summary(result)
    if check:
        if outcome.differences:
            click.echo(f"{outcome.output} is out of date; run `lamina render`:", err=True)
            for rel in outcome.differences:
                click.echo(f"  {rel}", err=True)
            sys.exit(1)
        click.echo(f"{outcome.output} is up to date: {outcome.target_count} environments, "
                   f"{outcome.resource_count} resources, {summary}, {seconds:.2f}s", err=True)
        return
    skipped = f", {len(outcome.unchanged)} unchanged" if outcome.unchanged else ""
    rendered = ", ".join(outcome.rendered) or "none"
    click.echo(f"rendered {len(outcome.rendered)} environments ({rendered}){skipped}: "
               f"{outcome.resource_count} resources, {len(outcome.written)} files written, "
               f"{len(outcome.removed)} removed, {summary}, {seconds:.2f}s", err=True)
    if exit_code and (outcome.written or outcome.removed):
        for rel in (*outcome.written, *outcome.removed):
            click.echo(f"  changed: {rel}", err=True)
        click.echo("rendered output changed: review and stage it", err=True)
        sys.exit(1)

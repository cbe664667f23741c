"""`lamina publish` and `lamina rollback`: the rendered branch."""

from __future__ import annotations

import click

from lamina.cli.values_options import values_from_flags, values_options


@click.command()
@click.option("--branch", default=None, help="Rendered branch (default: lamina.yaml, or 'rendered').")
@click.option("--push", "remote", default=None, metavar="REMOTE",
              help="Push the branch to REMOTE, retrying when another publisher got there first.")
@click.option("--branch-per-env", default=None, metavar="PATTERN",
              help="One branch per environment, e.g. 'env/{env}'.")
@click.option("--project", "project_dir", default=".", type=click.Path(file_okay=False))
@values_options
def publish(branch: str | None, remote: str | None, branch_per_env: str | None,
            project_dir: str, values_files: tuple[str, ...], sets: tuple[str, ...],
            set_strings: tuple[str, ...]) -> None:
    """Render every environment and commit the result to the rendered branch.

    Uses git plumbing only: your work tree and index are never touched."""
    from lamina.cli.progress import progress
    from lamina.publish.branch import PublishOptions, publish as run_publish
    if branch_per_env is not None and "{env}" not in branch_per_env:
        raise click.BadParameter("the pattern must contain {env}", param_hint="--branch-per-env")
    with progress("rendering and publishing..."):
        outcome = run_publish(PublishOptions(
            project_dir=project_dir, branch=branch, push=remote, branch_per_env=branch_per_env,
            values=values_from_flags(values_files, sets, set_strings)))
    for r in outcome.results:
        if r.commit is None:
            click.echo(f"{r.branch}: unchanged, no commit", err=True)
        else:
            pushed = f", pushed to {remote}" if r.pushed else ""
            click.echo(f"{r.branch}: {r.commit[:12]} on {(r.parent or 'new branch')[:12]}{pushed}",
                       err=True)


@click.command()
@click.argument("environment")
@click.option("--to", "to_rev", required=True, metavar="REV",
              help="The earlier rendered commit whose files to restore.")
@click.option("--branch", default=None)
@click.option("--branch-per-env", default=None, metavar="PATTERN")
@click.option("--push", "remote", default=None, metavar="REMOTE")
@click.option("--project", "project_dir", default=".", type=click.Path(file_okay=False))
def rollback(environment: str, to_rev: str, branch: str | None, branch_per_env: str | None,
             remote: str | None, project_dir: str) -> None:
    """Restore ENVIRONMENT's files from an earlier rendered commit, as a new commit."""
    from lamina.publish.branch import rollback as run_rollback
    r = run_rollback(project_dir, environment, to_rev, branch, branch_per_env, remote)
    if r.commit is None:
        click.echo(f"{r.branch}: {environment} already matches {to_rev}, no commit", err=True)
    else:
        click.echo(f"{r.branch}: {r.commit[:12]} restores {environment} from {to_rev}", err=True)


@click.command()
@click.argument("source")
@click.argument("target")
@click.option("--values", "value_keys", multiple=True, metavar="KEY",
              help="Also carry this value (dotted path); repeatable.")
@click.option("--no-images", is_flag=True, help="Do not carry image tags.")
@click.option("--dry-run", is_flag=True, help="Show the diff without writing.")
@click.option("--project", "project_dir", default=".", type=click.Path(file_okay=False))
def promote(source: str, target: str, value_keys: tuple[str, ...], no_images: bool,
            dry_run: bool, project_dir: str) -> None:
    """Carry image tags (and chosen values) from SOURCE's inputs to TARGET's overlay files."""
    import difflib
    import os
    from lamina.project.promote import apply, plan
    promotion = plan(project_dir, source, target, images=not no_images, value_keys=value_keys)
    if not promotion.changes:
        click.echo(f"{target} already has what {source} would promote", err=True)
        return
    for path, (old, new) in promotion.files.items():
        rel = os.path.relpath(path, os.path.realpath(project_dir))
        click.echo("".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                f"a/{rel}", f"b/{rel}")), nl=False)
    if not dry_run:
        apply(promotion)
    for line in promotion.changes:
        click.echo(f"{'would promote' if dry_run else 'promoted'} {line}", err=True)

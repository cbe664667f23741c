"""`lamina publish`, `rollback`, `release` and `promote`: the rendered branch."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from lamina.cli.output import lock_timeout_option, say
from lamina.cli.values_options import values_from_flags, values_options

if TYPE_CHECKING:
    from lamina.api.publish import Landed


def _print_landed(landed: Landed, remote: str | None, done: str) -> None:
    for note in landed.notes:
        say(note)
    if landed.commit is None:
        say(f"{landed.branch}: unchanged, no commit")
    else:
        pushed = f", pushed to {remote}" if landed.pushed else ""
        say(f"{landed.branch}: {landed.commit[:12]} on {(landed.parent or 'new branch')[:12]}"
            f"{pushed}{done}")


@click.command()
@click.option("--branch", default=None, help="Rendered branch (default: lamina.yaml, or 'rendered').")
@click.option("--push", "remote", default=None, metavar="REMOTE",
              help="Push the branch to REMOTE, retrying when another publisher got there first.")
@click.option("--branch-per-env", default=None, metavar="PATTERN",
              help="One branch per environment, e.g. 'env/{env}'.")
@click.option("--allow-dirty", is_flag=True,
              help="Publish even when inputs differ from the source commit (or with --set or "
                   "--values); recorded as Lamina-Source-Dirty with a digest.")
@click.option("--allow-unpushed", is_flag=True,
              help="With --push: publish a source commit the remote does not have.")
@click.option("--force", is_flag=True,
              help="Publish a source older than, or unrelated to, the last one published, or "
                   "on a branch with commits lamina did not make (recorded in the commit).")
@click.option("--release", "releases", multiple=True, metavar="ENV",
              help="Lift ENV's hold (see `lamina rollback`) and publish it; needs --reason.")
@click.option("--reason", default=None, help="Why (recorded as Lamina-Reason).")
@click.option("--argocd-apps", is_flag=True, default=None,
              help="Also publish _argocd/: one Argo CD Application per environment "
                   "(lamina.yaml: publish.argocdApps).")
@click.option("--repo-url", default=None, help="Repository URL for --argocd-apps.")
@click.option("--jobs", type=int, default=0, help="Parallel renders (default: one per core).")
@lock_timeout_option
@click.option("--project", "project_dir", default=".", type=click.Path(file_okay=False))
@values_options
def publish(branch: str | None, remote: str | None, branch_per_env: str | None,
            allow_dirty: bool, allow_unpushed: bool, force: bool, releases: tuple[str, ...],
            reason: str | None, argocd_apps: bool | None, repo_url: str | None,
            jobs: int, lock_timeout: float, project_dir: str, values_files: tuple[str, ...],
            sets: tuple[str, ...], set_strings: tuple[str, ...]) -> None:
    """Render every environment and commit the result to the rendered branch.

    Uses git plumbing only: your work tree and index are never touched."""
    from lamina.api.publish import PublishOptions, publish as run_publish
    from lamina.cli.progress import progress
    if branch_per_env is not None and "{env}" not in branch_per_env:
        raise click.BadParameter("the pattern must contain {env}", param_hint="--branch-per-env")
    if releases and not (reason or "").strip():
        raise click.UsageError("--release needs --reason: say why the hold is lifted")
    with progress("rendering and publishing..."):
        result = run_publish(PublishOptions(
            project_dir=project_dir, branch=branch, push=remote, branch_per_env=branch_per_env,
            values=values_from_flags(values_files, sets, set_strings), allow_dirty=allow_dirty,
            allow_unpushed=allow_unpushed, force=force, release=releases, reason=reason,
            argocd_apps=argocd_apps or None, repo_url=repo_url, lock_timeout=lock_timeout,
            jobs=jobs),
            notify=say)
    if not result.dirty.clean:
        say(f"publishing as dirty ({result.dirty.digest}): {result.dirty.describe()}")
    for landed in result.results:
        _print_landed(landed, remote, "")


@click.command()
@click.argument("environment")
@click.option("--to", "to_rev", required=True, metavar="REV",
              help="A rendered commit (rendered~N) or a published source commit.")
@click.option("--reason", default=None, help="Why (recorded with the hold).")
@click.option("--branch", default=None)
@click.option("--branch-per-env", default=None, metavar="PATTERN")
@click.option("--push", "remote", default=None, metavar="REMOTE")
@click.option("--project", "project_dir", default=".", type=click.Path(file_okay=False))
def rollback(environment: str, to_rev: str, reason: str | None, branch: str | None,
             branch_per_env: str | None, remote: str | None, project_dir: str) -> None:
    """Restore ENVIRONMENT's files from an earlier rendered commit and hold it there.

    Later publishes leave a held environment as it is until `lamina release ENV`."""
    from lamina.api.rollback import RollbackOptions, rollback as run_rollback
    result = run_rollback(RollbackOptions(
        environment=environment, to=to_rev, reason=reason, project_dir=project_dir,
        branch=branch, branch_per_env=branch_per_env, push=remote), notify=say)
    _print_landed(result.landed, remote,
                  f": {environment} restored from {(result.target or '')[:12]}")


@click.command()
@click.argument("environment")
@click.option("--reason", required=True, help="Why the hold is lifted (recorded).")
@click.option("--branch", default=None)
@click.option("--branch-per-env", default=None, metavar="PATTERN")
@click.option("--push", "remote", default=None, metavar="REMOTE")
@click.option("--project", "project_dir", default=".", type=click.Path(file_okay=False))
def release(environment: str, reason: str, branch: str | None, branch_per_env: str | None,
            remote: str | None, project_dir: str) -> None:
    """Lift ENVIRONMENT's hold: the next publish brings it up to date."""
    from lamina.api.rollback import ReleaseOptions, release as run_release
    result = run_release(ReleaseOptions(
        environment=environment, reason=reason, project_dir=project_dir, branch=branch,
        branch_per_env=branch_per_env, push=remote), notify=say)
    _print_landed(result.landed, remote, "")


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
    from lamina.api.promote import PromoteOptions, promote as run_promote
    result = run_promote(PromoteOptions(source, target, value_keys, images=not no_images,
                                        dry_run=dry_run, project_dir=project_dir))
    if not result.changes:
        click.echo(f"{target} already has what {source} would promote", err=True)
        return
    click.echo(result.diff, nl=False)
    for line in result.changes:
        click.echo(f"{'would promote' if dry_run else 'promoted'} {line}", err=True)

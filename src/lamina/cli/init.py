"""`lamina init`: write lamina.yaml (and, in an empty folder, a small project) and a CI file."""

from __future__ import annotations

import sys

import click


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, exists=True))
@click.option("--mode", type=click.Choice(["rendered-branch", "committed"]), default=None,
              help="rendered-branch: rendered/ is git-ignored and CI publishes it; committed: "
                   "rendered/ is committed and CI runs `render --check` (default: "
                   "rendered-branch).")
@click.option("--ci", type=click.Choice(["github", "gitlab", "none"]), default=None,
              help="Which CI file to write (default: gitlab when .gitlab-ci.yml or a GitLab "
                   "remote is there, else github).")
@click.option("--env", "environments", multiple=True, metavar="NAME",
              help="Add only this proposed environment (repeatable; default: all).")
@click.option("--output", "output_dir", default=None, metavar="DIR",
              help="The output folder (default: rendered).")
@click.option("--sample/--no-sample", default=None,
              help="Write the sample project (default: only when no kustomization exists).")
@click.option("-y", "--yes", is_flag=True, help="Ask nothing: take the flags and defaults.")
def init(directory: str, mode: str | None, ci: str | None, environments: tuple[str, ...],
         output_dir: str | None, sample: bool | None, yes: bool) -> None:
    """Set up lamina in DIRECTORY (default: here), changing no existing file."""
    from lamina.api.init import InitOptions, default_ci, init as run_init, propose
    if not yes and _interactive():
        found = propose(directory)
        if found.kustomizations and sample is not True:
            click.echo(f"Found {found.kustomizations} kustomizations; proposed environments:")
            for p in found.environments:
                click.echo(f"  {p.name:<24} {p.overlay}")
            for rel, why in found.skipped:
                click.echo(f"  (skipped {rel}: {why})")
            if not environments and found.environments:
                names = click.prompt("Environments to add (comma-separated)",
                                     default=",".join(p.name for p in found.environments))
                environments = tuple(n.strip() for n in names.split(",") if n.strip())
        else:
            click.echo("No kustomization here: writing a small project "
                       "(base/, overlays/dev, overlays/staging, overlays/prod).")
        if mode is None:
            click.echo("Rendered output can live on a branch CI publishes (rendered-branch) "
                       "or be committed beside the sources (committed).")
            mode = click.prompt("Mode", type=click.Choice(["rendered-branch", "committed"]),
                                default="rendered-branch")
        if ci is None:
            import os
            ci = click.prompt("CI file", type=click.Choice(["github", "gitlab", "none"]),
                              default=default_ci(os.path.realpath(directory)))
    result = run_init(InitOptions(directory=directory, mode=mode or "rendered-branch",
                                  ci=ci or "auto", environments=environments,
                                  output_dir=output_dir, sample=sample))
    for rel in result.created:
        click.echo(f"created {rel}")
    for p, why in result.left_out:
        click.echo(f"left out {p.overlay}: {why}", err=True)
    for check_id, count in sorted(result.lowered.items()):
        click.echo(f"check {check_id}: {count} errors in the existing manifests, set to warn "
                   "in lamina.yaml until fixed", err=True)
    for rel, todo in result.kept:
        click.echo(f"kept {rel}: {todo}", err=True)
    names = ", ".join(p.name for p in result.environments)
    click.echo(f"\n{len(result.environments)} environments: {names}. Next:")
    click.echo("  lamina render        # every environment into the output folder")
    if result.sample:
        click.echo("  pip install pytest 'syrupy>=7' && pytest --snapshot-update   # pin them")
    if result.ci_path:
        click.echo(f"  git add -A && git commit   # {result.ci_path} runs lamina in CI "
                   "(docs/ci.md)")

"""What every command's --help ends with: two or three examples and its docs page.

Kept in one table, read when a command is loaded (cli/main.py), so a command module does
not repeat the layout, and a command without an entry still gets its docs page.
"""

from __future__ import annotations

# Where lamina's documentation is published (the docs/ folder of its repository).
DOCS_URL = "https://github.com/lamina-dev/lamina/blob/main/docs/"

# command -> (examples, docs page under docs/)
EXAMPLES: dict[str, tuple[tuple[str, ...], str]] = {
    "build": (("lamina build overlays/prod",
               "lamina build overlays/prod -o out/",
               "lamina build overlays/prod --set replicas=3"), "commands/build.md"),
    "values": (("lamina values overlays/prod",
                "lamina values overlays/prod --show-origin"), "commands/values.md"),
    "render": (("lamina render",
                "lamina render --check               # CI: exit 1 when rendered/ is stale",
                "lamina render prod --flux --repo-url https://github.com/acme/shop.git"),
               "commands/render.md"),
    "publish": (("lamina publish",
                 "lamina publish --push origin",
                 "lamina publish --branch-per-env 'env/{env}' --push origin"),
                "commands/publish.md"),
    "rollback": (("lamina rollback prod --to rendered~1 --reason 'bad rollout'",
                  "lamina rollback prod --to rendered~3 --reason '5xx after 1.4.2' --push origin"),
                 "commands/publish.md"),
    "release": (("lamina release prod --reason 'fixed in 1.4.3'",
                 "lamina release prod --reason 'fixed in 1.4.3' --push origin"),
                "commands/publish.md"),
    "history": (("lamina history",
                 "lamina history prod --limit 10",
                 "lamina history prod --format json"), "commands/history.md"),
    "vendor": (("lamina vendor",
                "lamina vendor --update https://github.com/acme/platform//base?ref=v2",
                "lamina diff    # after --update: what the new pins change in every environment"),
               "commands/vendor.md"),
    "cache": (("lamina cache info",
               "lamina cache clear",
               "LAMINA_NO_CACHE=1 lamina render"), "commands/cache.md"),
    "status": (("lamina status",
                "lamina status --remote upstream --format json"), "commands/history.md"),
    "promote": (("lamina promote staging prod --dry-run",
                 "lamina promote staging prod --values db.host"), "commands/publish.md"),
    "check": (("lamina check",
               "lamina check prod --strict",
               "lamina check --format sarif > lamina.sarif"), "commands/check.md"),
    "diff": (("lamina diff",
              "lamina diff --base origin/main --format markdown",
              "lamina diff --envs staging prod --ignore-namespace"), "commands/diff.md"),
    "explain": (("lamina explain prod Deployment/api spec.replicas",
                 "lamina explain prod Deployment/api spec.template.spec.containers"),
                "commands/diff.md"),
    "init": (("lamina init                 # asks, on a terminal",
              "lamina init --yes --mode committed --ci gitlab",
              "lamina init path/to/repo --env dev --env prod --yes"), "commands/init.md"),
    "completion": (("lamina completion bash > ~/.local/share/bash-completion/completions/lamina",
                    "lamina completion zsh > \"${fpath[1]}/_lamina\"",
                    "lamina completion fish > ~/.config/fish/completions/lamina.fish"),
                   "commands/completion.md"),
}


def epilog(name: str) -> str:
    examples, page = EXAMPLES.get(name, ((), f"commands/{name}.md"))
    # "\b" keeps click from rewrapping the paragraph that follows.
    lines = []
    if examples:
        lines += ["\b", "Examples:", *(f"  {e}" for e in examples), ""]
    lines += ["\b", f"Docs: {DOCS_URL}{page}"]
    return "\n".join(lines)

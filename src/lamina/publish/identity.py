"""Who is publishing: the committer of every rendered-branch commit and its
`Lamina-Published-By` trailer.

In order: git's own committer settings (GIT_COMMITTER_NAME/EMAIL, then `user.name` and
`user.email`), then the identity a CI system names (GitHub Actions, GitLab CI, Buildkite,
CircleCI, Azure Pipelines, Bitbucket, Jenkins), then lamina.yaml's publish.authorName and
authorEmail, then the login and host name, as git itself would."""

from __future__ import annotations

import getpass
import os
import socket
from typing import Any

from lamina.git import Git


def _ci_identity(env: dict[str, str]) -> tuple[str, str] | None:
    if env.get("GITHUB_ACTOR"):
        actor = env["GITHUB_ACTOR"]
        return actor, f"{actor}@users.noreply.github.com"
    if env.get("GITLAB_USER_LOGIN"):
        login = env["GITLAB_USER_LOGIN"]
        return env.get("GITLAB_USER_NAME") or login, env.get("GITLAB_USER_EMAIL") or \
            f"{login}@users.noreply.gitlab.com"
    for name_key, email_key in (("BUILDKITE_BUILD_CREATOR", "BUILDKITE_BUILD_CREATOR_EMAIL"),
                                ("BUILD_REQUESTEDFOR", "BUILD_REQUESTEDFOREMAIL"),
                                ("BUILD_USER", "BUILD_USER_EMAIL"),
                                ("CIRCLE_USERNAME", ""),
                                ("BITBUCKET_STEP_TRIGGERER_UUID", "")):
        if env.get(name_key):
            who = env[name_key]
            return who, env.get(email_key, "") or f"{who}@ci.invalid"
    return None


def publisher(git: Git, configured: tuple[str, str] | None = None,
              env: dict[str, str] | None = None) -> tuple[str, str]:
    """(name, email) of the person or CI identity running lamina."""
    env = dict(os.environ) if env is None else env
    name = env.get("GIT_COMMITTER_NAME") or git.config("user.name")
    email = env.get("GIT_COMMITTER_EMAIL") or git.config("user.email")
    if name and email:
        return name, email
    ci = _ci_identity(env)
    if ci is not None:
        return name or ci[0], email or ci[1]
    if configured is not None:
        return name or configured[0], email or configured[1]
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return name or login, email or f"{login}@{socket.gethostname() or 'localhost'}"


def ident(person: tuple[str, str]) -> str:
    return f"{person[0]} <{person[1]}>"


def configured(settings: Any) -> tuple[str, str] | None:
    """lamina.yaml's publish.authorName/authorEmail, when set to something of its own."""
    pair = (settings.author_name, settings.author_email)
    return None if pair == ("lamina", "lamina@localhost") else pair

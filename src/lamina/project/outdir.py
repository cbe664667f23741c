"""The output folder: where `lamina render` writes, and which places it refuses."""

from __future__ import annotations

import os

from lamina.project.config import Project, ProjectError


def output_path(project: Project, output: str | None, outside_ok: bool = False) -> str:
    """The output folder, absolute. It must be inside the project (the repository) unless
    the operator says otherwise (`outside_ok`: render's --output-outside-repo), must not be
    the project root or inside .git, and no folder on the way to it inside the project may
    be a symbolic link (the tree is not trusted: a link would send every write elsewhere)."""
    from lamina.fsguard import MAX_COMPONENT_BYTES, is_inside, real_dir_chain
    root = project.root
    given = output if output else project.output_dir
    try:
        too_long = any(len(part.encode("utf-8")) > MAX_COMPONENT_BYTES
                       for part in given.split("/"))
    except UnicodeEncodeError:
        too_long = True
    if "\0" in given or too_long:
        raise ProjectError(f"output folder {given!r} is not a usable folder name (a NUL, text that "
                           f"is not UTF-8, or a component longer than {MAX_COMPONENT_BYTES} "
                           "bytes)")
    if output:
        out = os.path.normpath(os.path.join(os.path.realpath(os.getcwd()), output))
    else:
        out = os.path.normpath(os.path.join(root, project.output_dir))
    if not is_inside(out, root):
        real = os.path.realpath(out)
        if is_inside(real, root):
            out = real      # the operator's own path reaches the project through a link
        elif not outside_ok:
            raise ProjectError(f"output folder {out} is outside the project root {root}; "
                               "pass --output-outside-repo to write there")
        else:
            return real
    if out == root:
        raise ProjectError("the output folder cannot be the project root itself")
    rel = os.path.relpath(out, root)
    if ".git" in rel.split(os.sep):
        raise ProjectError(f"the output folder {rel} cannot be inside .git")
    bad = real_dir_chain(root, out)
    if bad is not None:
        what = "a symbolic link" if os.path.islink(bad) else "not a folder"
        raise ProjectError(f"output folder {rel}: {os.path.relpath(bad, root)} is {what}; "
                           "lamina never follows links to or inside its output folder")
    return out

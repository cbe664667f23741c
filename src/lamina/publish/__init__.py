"""Publishing rendered output to a git branch, with plumbing only (never the work tree)."""

"""Use cases: one plain function per command, typed frozen options and results."""

"""Use cases: one plain function per command, with typed frozen options and results."""

"""Resource-level diffs between two renders: pairing by id, field changes, formatters."""

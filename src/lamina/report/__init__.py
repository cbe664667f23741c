"""Report formats shared by `lamina check` and `lamina diff`: one module per format."""

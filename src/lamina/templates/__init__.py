"""lamina's template dialect: layered, typed values and sandboxed Jinja2 templates (``*.j2``).

The build core calls, in order: ``load_values_file`` for each layer's ``values:`` (deepest
base first) and ``--values`` files, ``layer_from_sets`` for --set/--set-string,
``merge_layers``, ``validate_values`` for each ``valuesSchema``, then ``render_template`` for
every ``.j2`` file and ``check_rendered_yaml`` on its output. See DIALECT.md for the rules.
"""

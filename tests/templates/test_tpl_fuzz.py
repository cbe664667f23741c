"""Whatever a user writes, lamina answers with a LaminaError, never a traceback."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lamina.errors import LaminaError
from lamina.templates.merge import merge_layers
from lamina.templates.render import check_rendered_yaml, render_template
from lamina.templates.sandbox import RenderLimits
from lamina.templates.values import layer_from_sets, load_values_file

_yamlish = st.text(st.sampled_from(list("ab:-[]{}&*!|>'\"#%@ \n\t,?01.~<")), max_size=60)
_jinjaish = st.lists(
    st.sampled_from(["{{", "}}", "{%", "%}", "values", ".", "a", "b", "[0]", "|", "toyaml", "tojson", "quote",
                     "required", "nindent(2)", "indent", "for", "in", "endfor", "if", "endif", "x", " ", "\n",
                     ":", "-", "(", ")", "'", "~", "*", "2", "set", "=", "macro", "endmacro", "range(3)",
                     "default(1)", "is", "defined", "loop.index", "items()", "#}", "{#"]),
    max_size=30,
).map("".join)

LIMITS = RenderLimits(timeout_seconds=2, max_output_chars=100_000)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_yamlish)
def test_values_files_fail_only_with_lamina_errors(text):
    try:
        load_values_file("v.yaml", text)
    except LaminaError:
        pass


@settings(max_examples=300)
@given(st.lists(_yamlish, max_size=3), st.lists(_yamlish, max_size=2))
def test_set_arguments_fail_only_with_lamina_errors(sets, set_strings):
    try:
        merge_layers([load_values_file("v.yaml", "a: {b: [1, 2]}\n"), layer_from_sets(sets, set_strings)])
    except LaminaError:
        pass


@settings(max_examples=400, deadline=None)
@given(_jinjaish)
def test_templates_fail_only_with_lamina_errors(text):
    values = merge_layers([load_values_file("v.yaml", "a: {b: [1, 2], c: x}\nb: [q]\nx: 1\n")])
    try:
        out = render_template(text, "t.j2", values, LIMITS)
        check_rendered_yaml(out, "t.j2")
    except LaminaError as exc:
        assert exc.source is not None and exc.source.path == "t.j2"


@settings(max_examples=300)
@given(_yamlish)
def test_rendered_yaml_checks_fail_only_with_template_errors(text):
    try:
        check_rendered_yaml(text, "t.j2")
    except LaminaError as exc:
        assert exc.source is not None and exc.source.path == "t.j2"

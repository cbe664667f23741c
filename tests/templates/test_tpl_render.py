"""Rendering .j2 files: values access, errors with file:line, and the sandbox."""

from __future__ import annotations

import pytest

from lamina.errors import SourceRef
from lamina.templates.errors import TemplateError
from lamina.templates.schema import validate_values
from tests.templates.tpl_helpers import load, render, values


def test_renders_values_into_yaml(tmp_path):
    merged = values(tmp_path, ("v.yaml", "name: web\nimage: {repo: nginx, tag: '1.25'}\nreplicas: 2\n"))
    out = render(tmp_path, "kind: Deployment\nmetadata:\n  name: {{ values.name }}\n"
                           "spec:\n  replicas: {{ values.replicas }}\n"
                           "  image: {{ values.image.repo }}:{{ values.image.tag }}\n", merged)
    assert load(out) == {"kind": "Deployment", "metadata": {"name": "web"},
                         "spec": {"replicas": 2, "image": "nginx:1.25"}}


def test_output_keeps_the_trailing_newline(tmp_path):
    merged = values(tmp_path, ("v.yaml", "a: 1\n"))
    assert render(tmp_path, "a: {{ values.a }}\n", merged).endswith("1\n")


def test_missing_value_names_template_line_key_and_values_files(tmp_path):
    merged = values(tmp_path, ("base.yaml", "image: {repo: nginx}\n"), ("prod.yaml", "replicas: 2\n"))
    with pytest.raises(TemplateError) as err:
        render(tmp_path, "kind: Pod\nimage: {{ values.image.repo }}:{{ values.image.tag }}\n", merged, name="pod.yaml.j2")
    assert err.value.source == SourceRef(str(tmp_path / "pod.yaml.j2"), 2)
    message = err.value.message
    assert "missing value image.tag" in message
    assert str(tmp_path / "base.yaml") in message and str(tmp_path / "prod.yaml") in message


def test_missing_value_inside_a_loop_names_the_list_index(tmp_path):
    merged = values(tmp_path, ("v.yaml", "ports:\n- {name: http, port: 80}\n- {name: https}\n"))
    template = "ports:\n{% for p in values.ports %}\n- containerPort: {{ p.port }}\n{% endfor %}\n"
    with pytest.raises(TemplateError) as err:
        render(tmp_path, template, merged)
    assert "missing value ports[1].port" in err.value.message
    assert err.value.source.line == 3


def test_missing_top_level_key(tmp_path):
    merged = values(tmp_path, ("v.yaml", "a: 1\n"))
    with pytest.raises(TemplateError) as err:
        render(tmp_path, "\n\nx: {{ values.nope }}\n", merged)
    assert "missing value nope" in err.value.message and err.value.source.line == 3


def test_undefined_names_are_errors(tmp_path):
    with pytest.raises(TemplateError) as err:
        render(tmp_path, "x: 1\ny: {{ Values.a }}\n", values(tmp_path))
    assert "'Values' is undefined" in err.value.message and err.value.source.line == 2
    assert "no values files" not in err.value.message


def test_is_defined_and_default_do_not_fail(tmp_path):
    merged = values(tmp_path, ("v.yaml", "a: 1\n"))
    out = render(tmp_path, "b: {{ values.b | default('none') }}\nc: {{ values.c is defined }}\n", merged)
    assert load(out) == {"b": "none", "c": False}


def test_syntax_error_names_the_line(tmp_path):
    with pytest.raises(TemplateError) as err:
        render(tmp_path, "a: 1\n{% if values.a %}\nb: 2\n", values(tmp_path, ("v.yaml", "a: 1\n")))
    assert err.value.source.path.endswith("t.yaml.j2") and err.value.source.line == 2  # the unclosed if
    assert "syntax error" in err.value.message


def test_schema_defaults_are_visible_to_templates(tmp_path):
    merged = validate_values(values(tmp_path, ("v.yaml", "name: web\n")),
                             {"properties": {"port": {"type": "integer", "default": 8080}}}, "s.json")
    assert load(render(tmp_path, "port: {{ values.port }}\n", merged)) == {"port": 8080}


@pytest.mark.parametrize(
    "payload",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os.popen('echo pwned').read() }}",
        "{{ joiner.__init__.__globals__ }}",
        "{{ namespace.__init__.__globals__ }}",
        "{{ values | attr('__class__') }}",
        "{{ '{0.__class__}'.format('') }}",
        "{{ values.__class__.__base__.__subclasses__() }}",
    ],
)
def test_ssti_payloads_are_refused_by_the_sandbox(tmp_path, payload):
    with pytest.raises(TemplateError) as err:
        render(tmp_path, "a: 1\nb: " + payload + "\n", values(tmp_path, ("v.yaml", "a: 1\n")))
    assert "not allowed" in err.value.message and "unsafe" in err.value.message
    assert err.value.source.line == 2


def test_lipsum_is_not_available(tmp_path):
    with pytest.raises(TemplateError) as err:
        render(tmp_path, "{{ lipsum.__globals__ }}\n", values(tmp_path))
    assert "'lipsum' is undefined" in err.value.message


def test_values_cannot_be_mutated(tmp_path):
    merged = values(tmp_path, ("v.yaml", "labels: {a: b}\nl: [1]\n"))
    for template in ("{{ values.labels.update({'x': 1}) }}", "{{ values.l.append(2) }}", "{{ values.pop('l') }}"):
        with pytest.raises(TemplateError):
            render(tmp_path, template, merged)
    assert merged.data == {"labels": {"a": "b"}, "l": [1]}


@pytest.mark.parametrize("template", ["{% include 'other.yaml' %}", "{% import 'm.j2' as m %}",
                                      "{% extends 'base.j2' %}", "{% from 'm.j2' import x %}"])
def test_templates_cannot_read_other_files(tmp_path, template):
    (tmp_path / "other.yaml").write_text("secret: 1\n")
    with pytest.raises(TemplateError) as err:
        render(tmp_path, "a: 1\n" + template + "\n", values(tmp_path))
    assert err.value.source.line == 2 and "other files" in err.value.message


def test_python_errors_in_expressions_become_template_errors(tmp_path):
    with pytest.raises(TemplateError) as err:
        render(tmp_path, "a: 1\nb: {{ 1 // values.zero }}\n", values(tmp_path, ("v.yaml", "zero: 0\n")))
    assert "ZeroDivisionError" in err.value.message and err.value.source.line == 2


def test_required_filter_names_the_missing_key(tmp_path):
    merged = values(tmp_path, ("v.yaml", "image: {tag: ''}\n"))
    for template, key in (("x: {{ values.image.repo | required('set image.repo') }}", "image.repo"),
                          ("x: {{ values.image.tag | required }}", None)):
        with pytest.raises(TemplateError) as err:
            render(tmp_path, "\n" + template + "\n", merged)
        assert err.value.source.line == 2
        if key:
            assert "set image.repo" in err.value.message and key in err.value.message


def test_macros_and_loops_work(tmp_path):
    merged = values(tmp_path, ("v.yaml", "envs: {A: '1', B: '2'}\n"))
    template = ("{% macro env(k, v) %}{name: {{ k }}, value: {{ v | quote }}}{% endmacro %}\n"
                "env:\n{% for k, v in values.envs.items() %}\n- {{ env(k, v) }}\n{% endfor %}\n")
    assert load(render(tmp_path, template, merged)) == {"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}


def test_keys_win_over_dict_methods(tmp_path):
    merged = values(tmp_path, ("v.yaml", "items: [a]\nlabels: {x: '1'}\n"))
    out = render(tmp_path, "i: {{ values.items }}\nl: {{ values.labels.items() | list }}\n", merged)
    assert load(out) == {"i": ["a"], "l": [["x", "1"]]}


def test_a_template_cache_compiles_once_and_keeps_lines(tmp_path, monkeypatch):
    from lamina.templates.render import TemplateCache, render_template
    from lamina.templates.sandbox import LaminaSandbox

    calls = []
    original = LaminaSandbox.compile
    monkeypatch.setattr(LaminaSandbox, "compile", lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    cache = TemplateCache()
    template = "a: 1\n{% for i in values.l %}\n- {{ i }}\n{% endfor %}\nb: {{ values.x.y }}\n"
    first = render_template(template, "t.j2", values(tmp_path, ("a.yaml", "l: [1]\nx: {y: 1}\n")), cache=cache)
    second = render_template(template, "t.j2", values(tmp_path, ("b.yaml", "l: [2, 3]\nx: {y: 2}\n")), cache=cache)
    assert len(calls) == 1
    assert first == "a: 1\n\n- 1\n\nb: 1\n" and second == "a: 1\n\n- 2\n\n- 3\n\nb: 2\n"
    assert second.line_map == (1, 2, 3, 2, 3, 4, 5)
    with pytest.raises(TemplateError) as err:
        render_template(template, "t.j2", values(tmp_path, ("c.yaml", "l: []\nx: {}\n")), cache=cache)
    assert err.value.source == SourceRef("t.j2", 5) and len(calls) == 1


def test_missing_value_suggests_a_near_key(tmp_path):
    merged = values(tmp_path, ("v.yaml", "image: {repository: nginx, tag: '1'}\n"))
    with pytest.raises(TemplateError) as err:
        render(tmp_path, "image: {{ values.image.repositry }}\n", merged)
    assert "missing value image.repositry; did you mean image.repository?" in err.value.message
    with pytest.raises(TemplateError) as err:
        render(tmp_path, "image: {{ values.image.zzz }}\n", merged)
    assert "did you mean" not in err.value.message


def test_required_filter_names_the_values_files_consulted(tmp_path):
    merged = values(tmp_path, ("base.yaml", "a: 1\n"), ("prod.yaml", "b: 2\n"))
    with pytest.raises(TemplateError) as err:
        render(tmp_path, "x: {{ values.repo | required('set repo') }}\n", merged)
    message = err.value.message
    assert "set repo" in message and "repo" in message
    assert str(tmp_path / "base.yaml") in message and str(tmp_path / "prod.yaml") in message


def test_default_and_is_defined_work_below_a_missing_parent(tmp_path):
    merged = values(tmp_path, ("v.yaml", "a: {b: 1}\n"))
    out = render(tmp_path, "x: {{ values.res.limits.cpu | default('100m') }}\n"
                           "y: {{ values.res['limits'].cpu is defined }}\n"
                           "z: {{ values.a.c.d | default(2) }}\n", merged)
    assert load(out) == {"x": "100m", "y": False, "z": 2}
    with pytest.raises(TemplateError) as err:
        render(tmp_path, "x: 1\ny: {{ values.res.limits.cpu }}\n", merged)
    assert "missing value res.limits.cpu" in err.value.message and err.value.source.line == 2

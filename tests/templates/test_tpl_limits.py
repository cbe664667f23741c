"""Render time and output size limits stop runaway templates with an error at the line."""

from __future__ import annotations

import threading

import pytest

from lamina.templates import deadline
from lamina.templates.sandbox import RenderLimitError, RenderLimits
from tests.templates.tpl_helpers import render, values

SMALL = RenderLimits(timeout_seconds=0.5, max_output_chars=10_000)


@pytest.mark.parametrize(
    "template",
    [
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "{% set l = range(5000) | list %}{% for a in l %}{% for b in l %}{% for c in l %}{% endfor %}{% endfor %}{% endfor %}",
        "{% macro f(n) %}{% for i in range(100000) %}{% endfor %}{{ f(n) if n < 800 else '' }}{% endmacro %}{{ f(0) }}",
    ],
)
def test_slow_templates_stop_at_the_time_limit(tmp_path, template):
    # Each template would run for hours: that it stops at all is the limit working. How soon
    # depends on the machine's load, so it is not measured here (benchmarks/ measure speed).
    with pytest.raises(RenderLimitError) as err:
        render(tmp_path, "a: 1\n" + template + "\n", values(tmp_path), limits=SMALL)
    # A runaway recursion may exhaust the stack before the clock, depending on the machine.
    assert "longer than 0.5s" in err.value.message or "recursion is too deep" in err.value.message
    assert err.value.source.line == 2


@pytest.mark.parametrize(
    "expression",
    [
        "'a' * 10**9",
        "[0] * 10**9",
        "'ab' * 10000",
        "'x'.ljust(10**9)",
        "'x'.center(10**9)",
        "'x' | center(10**9)",
        "'x' | indent(10**9)",
        "'%1000000000s' % 'x'",
        "'{:>1000000000}'.format('x')",
        "'{:>{w}}'.format('x', w=10**9)",
        "'{a:>{w}}'.format_map({'a': 'x', 'w': 10**9})",
        "2 ** 1000000",
        "values.n ** values.n",
        "range(5000) | join(',')",
    ],
)
def test_oversized_values_are_refused_before_they_are_built(tmp_path, expression):
    with pytest.raises(RenderLimitError) as err:
        render(tmp_path, "a: 1\nb: {{ " + expression + " }}\n", values(tmp_path, ("v.yaml", "n: 100000\n")), limits=SMALL)
    assert err.value.source.line == 2


def test_doubling_a_string_with_concat_is_stopped(tmp_path):
    template = "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"
    with pytest.raises(RenderLimitError):
        render(tmp_path, template, values(tmp_path), limits=SMALL)


def test_total_output_is_limited(tmp_path):
    with pytest.raises(RenderLimitError) as err:
        render(tmp_path, "{% for i in range(5000) %}\nline: {{ i }}\n{% endfor %}\n", values(tmp_path), limits=SMALL)
    assert "output exceeds the limit of 10000" in err.value.message


def test_templates_within_the_limits_render(tmp_path):
    out = render(tmp_path, "{% for i in range(100) %}\n- {{ 'ab' * 20 }}\n{% endfor %}\n", values(tmp_path), limits=SMALL)
    assert out.count("ab" * 20) == 100


def test_large_numbers_in_values_are_fine_outside_width_arguments(tmp_path):
    merged = values(tmp_path, ("v.yaml", "epoch: 1700000000\n"))
    out = render(tmp_path, "t: {{ values.epoch | default(1800000000) }}\nu: {{ values.epoch | string }}\n", merged,
                 limits=SMALL)
    assert out == "t: 1700000000\nu: 1700000000\n"


def test_time_limit_does_not_fire_after_a_render(tmp_path, monkeypatch):
    # The watchdog is fired by hand after the render has returned, as a late timer would on
    # a busy machine; nothing may then be raised in the caller's code.
    timers: list[threading.Timer] = []

    class HeldTimer(threading.Timer):
        def start(self) -> None:
            timers.append(self)

    monkeypatch.setattr(deadline.threading, "Timer", HeldTimer)
    out = render(tmp_path, "a: 1\n", values(tmp_path), limits=SMALL)
    assert out == "a: 1\n" and len(timers) == 1
    timers[0].function()
    for _ in range(10_000):    # bytecodes where a pending asynchronous exception would land
        pass


def test_renders_in_worker_threads_are_limited_too(tmp_path):
    errors: list[BaseException] = []

    def work() -> None:
        try:
            render(tmp_path, "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
                   values(tmp_path), limits=SMALL)
        except RenderLimitError as exc:
            errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert not thread.is_alive() and len(errors) == 1

"""Kyverno's `{{ }}` variables: JMESPath over the request (and rule context), with the
Kyverno JMESPath functions policies use most. An unknown function or a context source
lamina cannot reach (a ConfigMap lookup, an API call) is a PolicyError, never a pass."""

from __future__ import annotations

import base64
import re
from typing import Any

from lamina.policies.model import MissingEngine, PolicyError

_VAR = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)
_jmespath: Any = None
_OPTIONS: Any = None


def _lib() -> Any:
    global _jmespath, _OPTIONS
    if _jmespath is None:
        try:
            import jmespath
            from jmespath import functions
        except ImportError:
            raise MissingEngine("Kyverno variables need the policy extra: "
                                "pip install 'lamina[policy]'") from None

        class KyvernoFunctions(functions.Functions):
            @functions.signature({"types": ["string"]})
            def _func_to_upper(self, s: str) -> str:
                return s.upper()

            @functions.signature({"types": ["string"]})
            def _func_to_lower(self, s: str) -> str:
                return s.lower()

            @functions.signature({"types": ["string"]}, {"types": ["string"]})
            def _func_split(self, s: str, sep: str) -> list:
                return s.split(sep)

            @functions.signature({"types": ["string"]}, {"types": ["string", "number"]})
            def _func_regex_match(self, pattern: str, s: Any) -> bool:
                return re.search(pattern, str(s)) is not None

            @functions.signature({"types": ["string"]}, {"types": ["string", "number"]},
                                 {"types": ["string", "number"]})
            def _func_regex_replace_all(self, pattern: str, s: Any, repl: Any) -> str:
                return re.sub(pattern, re.sub(r"\$\{?(\d+)\}?", r"\\\1", str(repl)), str(s))

            @functions.signature({"types": ["string"]}, {"types": ["string"]})
            def _func_trim(self, s: str, chars: str) -> str:
                return s.strip(chars)

            @functions.signature({"types": ["string"]}, {"types": ["number"]})
            def _func_truncate(self, s: str, n: int) -> str:
                return s[:int(n)]

            @functions.signature({"types": ["string"]}, {"types": ["string"]}, {"types": ["string"]})
            def _func_replace_all(self, s: str, old: str, new: str) -> str:
                return s.replace(old, new)

            @functions.signature({"types": ["string"]})
            def _func_base64_decode(self, s: str) -> str:
                return base64.b64decode(s).decode("utf-8", "replace")

            @functions.signature({"types": ["string"]})
            def _func_base64_encode(self, s: str) -> str:
                return base64.b64encode(s.encode()).decode()

            @functions.signature({"types": ["string"]}, {"types": ["string"]})
            def _func_pattern_match(self, pattern: str, s: str) -> bool:
                from lamina.policies.match import wildcard
                return wildcard(pattern, str(s))

            @functions.signature({"types": ["object"]}, {"types": ["object"]})
            def _func_label_match(self, selector: dict, labels: dict) -> bool:
                return all(labels.get(k) == v for k, v in selector.items())

            @functions.signature({"types": ["number", "string"]}, {"types": ["number", "string"]})
            def _func_add(self, a: Any, b: Any) -> Any:
                return _num(a) + _num(b)

            @functions.signature({"types": ["number", "string"]}, {"types": ["number", "string"]})
            def _func_subtract(self, a: Any, b: Any) -> Any:
                return _num(a) - _num(b)

            @functions.signature({"types": ["number", "string"]}, {"types": ["number", "string"]})
            def _func_multiply(self, a: Any, b: Any) -> Any:
                return _num(a) * _num(b)

            @functions.signature({"types": ["number", "string"]}, {"types": ["number", "string"]})
            def _func_divide(self, a: Any, b: Any) -> Any:
                return _num(a) / _num(b)

            @functions.signature({"types": ["object", "array"]}, {"types": ["string", "number"]})
            def _func_lookup(self, obj: Any, key: Any) -> Any:
                if isinstance(obj, list):
                    return obj[int(key)] if 0 <= int(key) < len(obj) else None
                return obj.get(key)

            @functions.signature({"types": ["array"]})
            def _func_items(self, obj: Any) -> Any:
                return obj

        _jmespath = jmespath
        _OPTIONS = jmespath.Options(custom_functions=KyvernoFunctions())
    return _jmespath


_INTERPRETER: Any = None


def _interpreter() -> Any:
    """JMESPath as Kyverno evaluates it: `a.f(@)` where `a` is null is null, not a type error
    (`containers[].resources.keys(@)` skips a container without resources)."""
    global _INTERPRETER
    if _INTERPRETER is None:
        from jmespath import visitor

        class Interpreter(visitor.TreeInterpreter):
            def visit_subexpression(self, node: Any, value: Any) -> Any:
                result = value
                for child in node["children"]:
                    result = self.visit(child, result)
                    if result is None:
                        return None
                return result
        _INTERPRETER = Interpreter(_OPTIONS)
    return _INTERPRETER


def _num(v: Any) -> float:
    if isinstance(v, (int, float)):
        return v
    from lamina.policies.k8sfuncs import parse_quantity
    return float(parse_quantity(v))


_COMPILED: dict[str, Any] = {}


def query(expression: str, data: dict[str, Any]) -> Any:
    jp = _lib()
    expr = expression.strip()
    compiled = _COMPILED.get(expr)
    if compiled is None:
        try:
            compiled = _COMPILED[expr] = jp.compile(expr)
        except Exception as exc:
            raise PolicyError(f"variable `{{{{{expr}}}}}` is not JMESPath lamina can read: {exc}") from None
    try:
        return _interpreter().visit(compiled.parsed, data)
    except Exception as exc:
        if isinstance(exc, jp.exceptions.UnknownFunctionError):
            raise PolicyError(f"variable `{{{{{expr}}}}}` uses a JMESPath function lamina does not "
                              f"provide: {exc}") from None
        return None


def substitute(node: Any, data: dict[str, Any]) -> Any:
    """`node` with every `{{ }}` replaced: a string that is one variable takes its value's
    type; one with text around variables becomes text."""
    if isinstance(node, dict):
        return {substitute(k, data) if isinstance(k, str) and "{{" in k else k: substitute(v, data)
                for k, v in node.items()}
    if isinstance(node, list):
        return [substitute(v, data) for v in node]
    if not isinstance(node, str) or "{{" not in node:
        return node
    # Kyverno resolves the innermost `{{ }}` first: `{{ f('{{ a }}') }}` takes a's text.
    text = node
    for _ in range(64):
        m = _INNER.search(text)
        if m is None:
            return text
        if m.start() == 0 and m.end() == len(text) or (
                text.strip() == m.group(0) and "{{" not in text[:m.start()] + text[m.end():]):
            return query(m.group(1), data)
        text = text[:m.start()] + _text(query(m.group(1), data)) + text[m.end():]
    return text


_INNER = re.compile(r"\{\{-?\s*((?:(?!\{\{|\}\}).)*?)\s*-?\}\}", re.S)


def _text(v: Any) -> str:
    if isinstance(v, (dict, list)):
        import json
        return json.dumps(v, separators=(",", ":"))
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "" if v is None else str(v)


def parse_image(ref: str) -> dict[str, str]:
    """An image reference as Kyverno's `images` variable describes it."""
    digest = ""
    if "@" in ref:
        ref, _, digest = ref.partition("@")
    first, sep, rest = ref.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = "docker.io", ref
    tag = ""
    if ":" in path.rpartition("/")[2]:
        path, _, tag = path.rpartition(":")
    if not tag and not digest:
        tag = "latest"
    return {"registry": registry, "path": path, "name": path.rpartition("/")[2],
            "tag": tag, "digest": digest,
            "reference": ref + (f"@{digest}" if digest else ""),
            "referenceWithTag": f"{registry}/{path}:{tag}" if tag else f"{registry}/{path}"}


def images(data: dict[str, Any]) -> dict[str, Any] | None:
    """{containers|initContainers|ephemeralContainers: {name: parsed image}} of a Pod."""
    spec = data.get("spec") if data.get("kind") == "Pod" else None
    if not isinstance(spec, dict):
        return None
    out: dict[str, Any] = {}
    for field in ("containers", "initContainers", "ephemeralContainers"):
        for c in spec.get(field) or []:
            if isinstance(c, dict) and isinstance(c.get("image"), str):
                out.setdefault(field, {})[str(c.get("name"))] = parse_image(c["image"])
    return out

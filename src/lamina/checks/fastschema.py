"""A fast "is this valid?" for the schema check: jsonschema validators compiled to closures.

jsonschema spends most of its time on bookkeeping for error reporting (paths, evolved
validators, a resolver per subschema). Nearly every rendered resource is valid, and for
those no error needs reporting. So each validator is compiled, once, into a plain Python
predicate over the keywords the Kubernetes schemas use; the schema check asks it first and
only runs jsonschema itself (for its exact messages) when the predicate says no.

The predicate answers exactly as jsonschema would for the keywords it knows ($ref, type,
enum, properties, additionalProperties, required, items, oneOf, anyOf, allOf, not, const,
format as an annotation); a schema using any other keyword jsonschema applies is not
compiled (`compile_validator` returns None) and jsonschema checks everything as before.
Anything unexpected while checking (an exception, deep nesting) also falls back.
"""

from __future__ import annotations

import numbers
from typing import Any, Callable

Predicate = Callable[[Any], bool]


class Unsupported(Exception):
    """The schema uses something the compiler does not reproduce exactly."""


def _true(_x: Any) -> bool:
    return True


def _false(_x: Any) -> bool:
    return False


def _is_integer(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    return isinstance(x, int) or (isinstance(x, float) and x.is_integer())


def _is_number(x: Any) -> bool:
    return not isinstance(x, bool) and isinstance(x, numbers.Number)


# jsonschema's Draft 2020-12 type checker, one predicate per type name.
_TYPES: dict[str, Predicate] = {
    "array": lambda x: isinstance(x, list),
    "boolean": lambda x: isinstance(x, bool),
    "integer": _is_integer,
    "null": lambda x: x is None,
    "number": _is_number,
    "object": lambda x: isinstance(x, dict),
    "string": lambda x: isinstance(x, str),
}

# Keywords jsonschema applies that the compiler reproduces; any other keyword jsonschema
# knows makes the schema Unsupported. Keywords jsonschema does not know are annotations.
_HANDLED = {"$ref", "type", "enum", "const", "properties", "additionalProperties", "required",
            "items", "oneOf", "anyOf", "allOf", "not", "format"}


def _type_predicate(types: Any) -> Predicate:
    names = [types] if isinstance(types, str) else types
    if not isinstance(names, list) or not names or \
            not all(isinstance(n, str) and n in _TYPES for n in names):
        raise Unsupported("type")
    names = list(dict.fromkeys(names))
    if names == ["string"]:
        return lambda x: isinstance(x, str)
    if names == ["object"]:
        return lambda x: isinstance(x, dict)
    if names == ["array"]:
        return lambda x: isinstance(x, list)
    if set(names) == {"string", "null"}:
        return lambda x: x is None or isinstance(x, str)
    if set(names) == {"object", "null"}:
        return lambda x: x is None or isinstance(x, dict)
    if set(names) == {"array", "null"}:
        return lambda x: x is None or isinstance(x, list)
    if set(names) == {"boolean", "null"}:
        return lambda x: x is None or isinstance(x, bool)
    if set(names) == {"integer", "null"}:
        return lambda x: x is None or _is_integer(x)
    checks = tuple(_TYPES[n] for n in names)
    return lambda x: any(c(x) for c in checks)


def _enum_predicate(values: Any, equal: Callable[[Any, Any], bool]) -> Predicate:
    if not isinstance(values, list):
        raise Unsupported("enum")
    strings = {v for v in values if type(v) is str}

    def check(x: Any) -> bool:
        if type(x) is str:
            # jsonschema's equal() compares a string with ==: only equal strings match.
            return x in strings or any(equal(v, x) for v in values if type(v) is not str)
        return any(equal(v, x) for v in values)
    return check


class _Compiler:
    def __init__(self, validator: Any):
        import jsonschema._utils
        from referencing.jsonschema import DRAFT202012
        self.known = set(type(validator).VALIDATORS)
        self.equal = jsonschema._utils.equal
        self.spec = DRAFT202012
        self.refs: dict[int, list[Predicate | None]] = {}
        self.keep: list[Any] = []

    def compile(self, schema: Any, resolver: Any, via_ref: bool = False,
                root: bool = False) -> Predicate:
        if schema is True:
            return _true
        if schema is False:
            return _false
        if not isinstance(schema, dict):
            raise Unsupported("schema")
        if "$schema" in schema and not root:
            raise Unsupported("$schema")    # jsonschema may switch drafts there
        if not via_ref and not root:
            resolver = resolver.in_subresource(self.spec.create_resource(schema))
        # Callable[..., bool]: each lambda binds its values as default arguments.
        parts: list[Callable[..., bool]] = []
        for key, value in schema.items():
            if key not in self.known or key in ("properties", "additionalProperties", "format"):
                continue
            if key not in _HANDLED:
                raise Unsupported(key)
            if key == "$ref":
                parts.append(self.ref(value, resolver))
            elif key == "type":
                parts.append(_type_predicate(value))
            elif key == "enum":
                parts.append(_enum_predicate(value, self.equal))
            elif key == "const":
                equal, const = self.equal, value
                parts.append(lambda x, e=equal, c=const: e(c, x))
            elif key == "required":
                if not isinstance(value, list):
                    raise Unsupported("required")
                required = tuple(value)
                parts.append(lambda x, r=required: not isinstance(x, dict) or all(k in x for k in r))
            elif key == "items":
                if "prefixItems" in schema:
                    raise Unsupported("prefixItems")
                item = self.compile(value, resolver)
                if item is not _true:
                    parts.append(lambda x, f=item: not isinstance(x, list) or all(f(v) for v in x))
            elif key in ("oneOf", "anyOf", "allOf"):
                if not isinstance(value, list) or not value:
                    raise Unsupported(key)
                subs = tuple(self.compile(s, resolver) for s in value)
                if key == "oneOf":
                    parts.append(lambda x, s=subs: sum(1 for f in s if f(x)) == 1)
                elif key == "anyOf":
                    parts.append(lambda x, s=subs: any(f(x) for f in s))
                else:
                    parts.append(lambda x, s=subs: all(f(x) for f in s))
            elif key == "not":
                sub = self.compile(value, resolver)
                parts.append(lambda x, f=sub: not f(x))
        if "properties" in self.known and ("properties" in schema or
                                           "additionalProperties" in schema):
            parts.append(self.object(schema, resolver))
        if len(parts) == 0:
            return _true
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 2:
            a, b = parts
            return lambda x: a(x) and b(x)
        checks = tuple(parts)
        return lambda x: all(c(x) for c in checks)

    def object(self, schema: dict[str, Any], resolver: Any) -> Predicate:
        props = schema.get("properties", {})
        if not isinstance(props, dict):
            raise Unsupported("properties")
        if "patternProperties" in schema:
            raise Unsupported("patternProperties")
        compiled = {k: self.compile(v, resolver) for k, v in props.items()}
        extra = schema.get("additionalProperties", True)
        other = self.compile(extra, resolver) if extra not in (True, False) else None
        if extra is True or other is _true:
            checked = {k: f for k, f in compiled.items() if f is not _true}

            def check(x: Any) -> bool:
                if not isinstance(x, dict):
                    return True
                if len(x) < len(checked):
                    for k, v in x.items():
                        f = checked.get(k)
                        if f is not None and not f(v):
                            return False
                    return True
                for k, f in checked.items():
                    if k in x and not f(x[k]):
                        return False
                return True
            return check
        if extra is False:
            def closed(x: Any) -> bool:
                if not isinstance(x, dict):
                    return True
                for k, v in x.items():
                    f = compiled.get(k)
                    if f is None or not f(v):
                        return False
                return True
            return closed
        assert other is not None     # additionalProperties is a schema: True and False are above

        def open_(x: Any) -> bool:
            if not isinstance(x, dict):
                return True
            for k, v in x.items():
                f = compiled.get(k)
                if not (other(v) if f is None else f(v)):
                    return False
            return True
        return open_

    def ref(self, ref: Any, resolver: Any) -> Predicate:
        if not isinstance(ref, str):
            raise Unsupported("$ref")
        try:
            resolved = resolver.lookup(ref)
        except Exception:
            raise Unsupported("$ref") from None
        target = resolved.contents
        key = id(target)
        cell = self.refs.get(key)
        if cell is None:
            self.keep.append(target)
            cell = self.refs[key] = [None]
            compiled = cell[0] = self.compile(target, resolved.resolver, via_ref=True)
            return compiled
        bound = cell[0]
        if bound is None:       # a recursive schema: bind late
            late = cell
            return lambda x: late[0](x)  # type: ignore[misc]  # bound by the time it runs
        return bound


def compile_validator(validator: Any) -> Predicate | None:
    """A predicate equal to `not any(validator.iter_errors(x))`, or None when the schema
    uses something the compiler does not reproduce."""
    try:
        if getattr(validator, "format_checker", None) is not None or \
                getattr(validator, "_ref_resolver", None) is not None:
            return None
        resolver = getattr(validator, "_resolver", None)
        if resolver is None:
            return None
        return _Compiler(validator).compile(validator.schema, resolver, root=True)
    except (Unsupported, RecursionError, ImportError, AttributeError):
        return None


_COMPILED: dict[int, tuple[Any, Predicate | None]] = {}


def predicate(validator: Any) -> Predicate | None:
    """The compiled predicate of a validator, compiled on first use."""
    entry = _COMPILED.get(id(validator))
    if entry is None or entry[0] is not validator:
        entry = (validator, compile_validator(validator))
        if len(_COMPILED) > 4096:
            _COMPILED.clear()
        _COMPILED[id(validator)] = entry
    return entry[1]


def surely_valid(validator: Any, instance: Any) -> bool:
    """True only when jsonschema would report no error for `instance`."""
    check = predicate(validator)
    if check is None:
        return False
    try:
        return bool(check(instance))
    except Exception:       # RecursionError, a key type re cannot search...: ask jsonschema
        return False

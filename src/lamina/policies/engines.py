"""The one registry of policy engines, and evaluate(): every policy over one environment.

An engine is a module with KINDS (the kinds it owns, with GROUP) and
evaluate(docs, env) -> [Violation]. A policy whose engine cannot run here (its library
is not installed, or the policy uses something lamina lacks) is a violation about the
policy itself: never a silent pass.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from lamina.policies.loader import (GATEKEEPER_CONSTRAINT_GROUP, GATEKEEPER_TEMPLATE_GROUP,
                                    KYVERNO_GROUP, KYVERNO_KINDS, VAP_GROUP, VAP_KINDS)
from lamina.policies.model import ERROR, Env, PolicyDoc, PolicyError, Violation

ENGINES: dict[str, str] = {
    "validating-admission-policy": "lamina.policies.vap",
    "kyverno": "lamina.policies.kyverno",
    "gatekeeper": "lamina.policies.gatekeeper",
}


def load(engine: str) -> ModuleType:
    return importlib.import_module(ENGINES[engine])


def engine_of(doc: PolicyDoc) -> str | None:
    group, kind = doc.api_group, doc.kind
    if group == VAP_GROUP and kind in VAP_KINDS:
        return "validating-admission-policy"
    if group == KYVERNO_GROUP and kind in KYVERNO_KINDS:
        return "kyverno"
    if group in (GATEKEEPER_TEMPLATE_GROUP, GATEKEEPER_CONSTRAINT_GROUP):
        return "gatekeeper"
    return None


def evaluate(docs: tuple[PolicyDoc, ...] | list[PolicyDoc], env: Env) -> list[Violation]:
    """Every engine's violations over the environment, engine by engine in registry order."""
    by_engine: dict[str, list[PolicyDoc]] = {}
    for doc in docs:
        engine = engine_of(doc)
        if engine is not None:
            by_engine.setdefault(engine, []).append(doc)
    out: list[Violation] = []
    for engine in ENGINES:
        mine = by_engine.get(engine)
        if not mine:
            continue
        try:
            out.extend(load(engine).evaluate(mine, env))
        except PolicyError as exc:
            # The engine as a whole cannot run (its library is missing): every policy it
            # owns is reported, so none passes unnoticed.
            out.extend(Violation(d.ident, engine, exc.message, ERROR, None) for d in mine
                       if d.kind not in _COMPANIONS)
    return out


# Objects that are not policies by themselves (reported through their policy).
_COMPANIONS = ("ValidatingAdmissionPolicyBinding",)


def policy_sources(docs: tuple[PolicyDoc, ...] | list[PolicyDoc]) -> dict[str, Any]:
    """Policy ident -> where it was read (for findings about a policy itself)."""
    return {d.ident: d.source for d in docs}

"""admission-policy: the clusters' own admission policies (ValidatingAdmissionPolicy,
Kyverno, Gatekeeper), evaluated on the environment's rendered objects (lamina.policies).

Findings keep the level the policy gives them (Deny/enforce: error; Warn, Audit, dryrun:
warning). The policies come from lamina.yaml `policies:` and the environment's own
`policies: {add, skip}` (in the context) and from the environment's render itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from lamina.checks.base import ERROR, Context, Finding, Obj

LEVEL = ERROR
OWN_LEVELS = True      # runner.py keeps each finding's level


@dataclass(frozen=True)
class Options:
    pass


def check(ctx: Context, options: Options) -> Iterator[Finding]:
    from lamina.policies import engines, loader
    from lamina.policies.match import Namespaces
    from lamina.policies.model import Env, PolicyDoc
    from lamina.policies.results import Results
    rendered = [PolicyDoc(o.data, o.source, "rendered") for o in ctx.objects
                if loader.is_policy(o.data)]
    docs = loader.select(list(ctx.policies), rendered, ctx.policy_skip)
    if not any(loader.is_policy(d.data) for d in docs):
        return
    params = (*ctx.objects, *(Obj(d.data, d.source) for d in docs if not loader.is_policy(d.data)))
    # Results are remembered by content, across runs in the target's pack (results.py).
    results = Results(ctx.root, ctx.environment)
    env = Env(ctx.environment, ctx.objects, Namespaces(ctx.objects), params, results)
    sources = engines.policy_sources(docs)
    violations = engines.evaluate(docs, env)
    results.save()
    for v in violations:
        text = f"{v.policy} ({v.rule}): {v.message}"
        if v.obj is None:
            source = sources.get(v.policy)
            yield Finding("admission-policy", v.level, text, ctx.environment, v.policy,
                          source, None)
        else:
            yield ctx.finding("admission-policy", v.level, v.obj, text, at=v.at)

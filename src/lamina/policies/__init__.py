"""Admission policies the cluster enforces, evaluated on rendered objects before merge.

- model.py: a policy document, a violation, the errors;
- loader.py: where policies come from (lamina.yaml `policies:`, per-environment add/skip,
  policies the tree renders itself);
- match.py: which objects a policy applies to (resource rules, kinds, selectors);
- cel.py: CEL with Kubernetes' extension libraries, compiled once per expression;
- vap.py, kyverno.py (+ kyverno_pattern.py), gatekeeper.py: one module per engine;
- engines.py: the one registry of engines, and evaluate() over one environment.

Needs the `lamina[policy]` extra for the engines' libraries.
"""

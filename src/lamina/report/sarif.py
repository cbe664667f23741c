"""SARIF 2.1.0, for code-scanning dashboards."""

from __future__ import annotations

import json

from lamina.version import __version__


def check_report(result, color: bool = False) -> str:
    from lamina.checks import registry
    rule_ids = sorted({f.check for f in result.findings})
    rules = []
    for rid in rule_ids:
        doc = ""
        if rid in registry.CHECKS:
            doc = (registry.load(rid).__doc__ or "").strip().split("\n\n")[0]
        rules.append({"id": rid, "shortDescription": {"text": doc or rid}})
    results = []
    for f in result.findings:
        item = {"ruleId": f.check, "level": "error" if f.level == "error" else "warning",
                "message": {"text": f"{f.environment} {f.resource}: {f.message}{f.via()}"}}
        source = f.file_source()
        path = source.path if source else f.rendered
        if path:
            region = {"startLine": source.line} if source and source.line else None
            loc = {"physicalLocation": {"artifactLocation": {"uri": path}}}
            if region:
                loc["physicalLocation"]["region"] = region
            item["locations"] = [loc]
        results.append(item)
    return json.dumps({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "lamina", "version": __version__,
                                      "informationUri": "https://lamina.dev", "rules": rules}},
                  "results": results}]}, indent=2) + "\n"

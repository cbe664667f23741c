"""JSON: {findings: [...], skipped: {...}, summary: {...}} for machines."""

from __future__ import annotations

import json


def check_report(result, color: bool = False) -> str:
    return json.dumps({
        "findings": [{
            "check": f.check, "level": f.level, "message": f.message,
            "environment": f.environment, "resource": f.resource,
            "file": f.source.path if f.source else None,
            "line": f.source.line if f.source else None,
            "via": str(f.source.via) if getattr(f.source, "via", None) else None,
            "rendered": f.rendered, "related": list(f.related)} for f in result.findings],
        "skipped": result.skipped,
        "summary": {"resources": result.checked, "errors": len(result.errors()),
                    "warnings": len(result.warnings())},
    }, indent=2, sort_keys=True) + "\n"

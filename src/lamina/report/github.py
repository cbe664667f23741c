"""GitHub Actions workflow commands: `::error file=...,line=...::message`."""

from __future__ import annotations


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _escape(text).replace(":", "%3A").replace(",", "%2C")


def check_report(result, color: bool = False) -> str:
    lines = []
    for f in result.findings:
        props = [f"title={_prop(f'{f.check} ({f.environment})')}"]
        source = f.file_source()
        if source is not None:
            props.insert(0, f"file={_prop(source.path)}")
            if source.line:
                props.insert(1, f"line={source.line}")
        lines.append(f"::{f.level} {','.join(props)}::{_escape(f.resource + ': ' + f.message + f.via())}")
    return "\n".join(lines) + ("\n" if lines else "")

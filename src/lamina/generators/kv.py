"""Key/value pairs for ConfigMap and Secret generators: literals, files and env files.

Kustomize (api/kv) reads env files first, then literals, then files, and the generator
rejects a key that appears twice across all three. kubectl's build wires in a validator
that accepts every key, so keys such as `a b` or `..` pass unchanged; only the syntax of
each source is checked here.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Callable, Sequence

from lamina.errors import KustomizationError, LaminaError

_BOM = b"\xef\xbb\xbf"

# Go's unicode.IsSpace: the Latin-1 spaces plus the Unicode White_Space property. Python's
# str.isspace also counts the separators U+001C..U+001F, which Go keeps as key characters.
_GO_SPACES = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000")

# bufio.Scanner's default token limit: a longer line ends the scan silently, because
# Kustomize never checks the scanner's error.
_MAX_LINE = 64 * 1024


@dataclass(frozen=True)
class KvSources:
    """The three source lists of one generator entry, in Kustomize's field names."""

    literals: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    envs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pair:
    key: str
    value: bytes | str   # bytes when read from a file (it may not be UTF-8 text)


def go_list(items: Sequence[str]) -> str:
    """How Go's %v prints a []string: `[a b c]`."""
    return "[" + " ".join(items) + "]"


def load_pairs(sources: KvSources, read_bytes: Callable[[str], bytes]) -> list[Pair]:
    """All pairs in Kustomize's order; errors carry Kustomize's prefixes."""
    pairs: list[Pair] = []
    try:
        for path in sources.envs:
            pairs.extend(parse_env_file(read_bytes(path)))
    except LaminaError as exc:
        raise _prefixed(exc, f"env source files: {go_list(sources.envs)}") from None
    try:
        pairs.extend(Pair(*parse_literal_source(s)) for s in sources.literals)
    except LaminaError as exc:
        raise _prefixed(exc, f"literal sources {go_list(sources.literals)}") from None
    try:
        for source in sources.files:
            key, path = parse_file_source(source)
            pairs.append(Pair(key, read_bytes(path)))
    except LaminaError as exc:
        raise _prefixed(exc, f"file sources: {go_list(sources.files)}") from None
    return pairs


def _prefixed(exc: LaminaError, prefix: str) -> LaminaError:
    """The same error type with Kustomize's `loading KV pairs: <source list>: ` prefix (a
    missing file's error already names the entry that lists it: kept as it is)."""
    from lamina.kustomize.loader import MissingFileError
    if isinstance(exc, MissingFileError):
        return exc
    return type(exc)(f"loading KV pairs: {prefix}: {exc.message}", exc.source)


def parse_literal_source(source: str) -> tuple[str, str]:
    """`key=value`; the value may contain `=`, and one pair of matching quotes is removed."""
    key, sep, value = source.partition("=")
    if not sep or not key:
        raise KustomizationError(f"invalid literal source {source}, expected key=value")
    return key, _remove_quotes(value)


def _remove_quotes(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse_file_source(source: str) -> tuple[str, str]:
    """`path` (the key is the base name) or `key=path`; more than one `=` is refused."""
    count = source.count("=")
    if count == 0:
        return _go_base(source), source
    if count == 1 and source.startswith("="):
        raise KustomizationError(
            f"missing key name for file path {_go_quote(source[1:])} in source {_go_quote(source)}")
    if count == 1 and source.endswith("="):
        raise KustomizationError(
            f"missing file path for key name {_go_quote(source[:-1])} in source {_go_quote(source)}")
    if count > 1:
        raise KustomizationError(f"source {_go_quote(source)} key name or file path contains '='")
    key, _, path = source.partition("=")
    return key, path


def _go_base(path: str) -> str:
    """Go's path.Base: trailing slashes ignored, '' is '.', all slashes is '/'."""
    if not path:
        return "."
    stripped = path.rstrip("/")
    if not stripped:
        return "/"
    return posixpath.basename(stripped)


def _go_quote(text: str) -> str:
    """Go's %q for the plain strings that appear in source specs."""
    out = ['"']
    for ch in text:
        if ch in "\"\\":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def parse_env_file(content: bytes) -> list[Pair]:
    """One `KEY=value` per line; blank lines and `#` comments are skipped.

    Leading whitespace is dropped, trailing whitespace and quotes are kept, a line without
    `=` gives an empty value, and a line whose key is empty (`=x`) is skipped.
    """
    pairs: list[Pair] = []
    for number, raw in enumerate(_scan_lines(content)):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            shown = raw.decode("utf-8", errors="replace")
            byte_list = "[" + " ".join(str(b) for b in raw) + "]"
            raise KustomizationError(
                f"line {byte_list} has invalid utf8 bytes : {shown}") from None
        if number == 0 and line.startswith(_BOM.decode("utf-8")):
            line = line[1:]
        line = _go_trim_left(line)
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        if key:
            pairs.append(Pair(key, value))
    return pairs


def _scan_lines(content: bytes) -> list[bytes]:
    """bufio.ScanLines: split on LF, drop one CR before it, no empty line after a final LF."""
    lines: list[bytes] = []
    start = 0
    while start < len(content):
        end = content.find(b"\n", start)
        if end < 0:
            line, start = content[start:], len(content)
        else:
            line, start = content[start:end], end + 1
        if len(line) >= _MAX_LINE:
            break
        if line.endswith(b"\r"):
            line = line[:-1]
        lines.append(line)
    return lines


def _go_trim_left(text: str) -> str:
    i = 0
    while i < len(text) and text[i] in _GO_SPACES:
        i += 1
    return text[i:]

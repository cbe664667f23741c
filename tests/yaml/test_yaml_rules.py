"""Kustomize's YAML rules, one table row per rule family.

Each row is the `spec:` of a resource as written, and the `spec:` as `kubectl kustomize`
prints it. The expected text was captured from kubectl v1.37.1 (Kustomize v5.8.1), and
`test_rule_matches_kubectl` re-checks it there, so the table cannot drift from the oracle.
"""

from __future__ import annotations

import pytest
from tests.yaml.yamltest_helpers import HEADER, resource

from lamina.yaml import dump_all, load_all

RULES: dict[str, tuple[str, str]] = {
    'ints': (
        '  a: 0777\n  b: 0o17\n  c: 0x1F\n  d: 1_000\n  e: +5\n  f: -0\n  g: 0b101\n  h: 9223372036854775807\n  i: 18446744073709551615\n  j: 18446744073709551616\n  k: -9223372036854775809\n',
        '  a: 511\n  b: 15\n  c: 31\n  d: 1000\n  e: 5\n  f: 0\n  g: 5\n  h: 9223372036854775807\n  i: 18446744073709551615\n  j: 1.8446744073709552e+19\n  k: -9.223372036854776e+18\n',
    ),
    'floats': (
        '  a: 1.0\n  b: 1e3\n  c: 1.5e-7\n  d: 0.00001\n  e: 0.0001\n  f: 1234567.5\n  g: 123456.5\n  h: 1e21\n  i: 1e20\n  j: -0.0\n  k: .5\n  l: 08\n  m: 1e999\n  n: 2.50\n',
        '  a: 1\n  b: 1000\n  c: 1.5e-07\n  d: 1e-05\n  e: 0.0001\n  f: 1.2345675e+06\n  g: 123456.5\n  h: 1e+21\n  i: 1e+20\n  j: 0\n  k: 0.5\n  l: 8\n  m: 1e999\n  "n": 2.5\n',
    ),
    'booleans': (
        '  a: true\n  b: True\n  c: FALSE\n  d: yes\n  e: No\n  f: on\n  g: OFF\n  h: y\n  i: n\n  j: tRUE\n',
        '  a: true\n  b: true\n  c: false\n  d: "yes"\n  e: "No"\n  f: "on"\n  g: "OFF"\n  h: "y"\n  i: "n"\n  j: tRUE\n',
    ),
    'nulls': (
        '  a: null\n  b: ~\n  c:\n  d: NULL\n  e: "null"\n  f: ""\n  g: [~, null, ""]\n',
        '  a: null\n  b: null\n  c: null\n  d: null\n  e: "null"\n  f: ""\n  g:\n  - null\n  - null\n  - ""\n',
    ),
    'quoted-numbers': (
        '  a: "1"\n  b: "1.0"\n  c: "0x1F"\n  d: "1_000"\n  e: "12:30"\n  f: "1:20:30.5"\n  g: "+1"\n  h: ".5"\n  i: "1e3"\n  j: "0b11"\n  k: "1e999"\n  l: "2001-12-14"\n  m: "2001-13-45"\n  n: ".inf"\n  o: "-.Inf"\n  p: "0x"\n',
        '  a: "1"\n  b: "1.0"\n  c: "0x1F"\n  d: "1_000"\n  e: "12:30"\n  f: "1:20:30.5"\n  g: "+1"\n  h: ".5"\n  i: "1e3"\n  j: "0b11"\n  k: 1e999\n  l: "2001-12-14"\n  m: 2001-13-45\n  "n": ".inf"\n  o: "-.Inf"\n  p: 0x\n',
    ),
    'plain-or-single': (
        '  a: "@x"\n  b: "a: b"\n  c: "x #c"\n  d: "- x"\n  e: "-x"\n  f: "? x"\n  g: "?x"\n  h: " lead"\n  i: "trail "\n  j: "---"\n  k: "\'q"\n  l: "a\'b"\n  m: "a#b"\n  n: "x:y"\n  o: "[a]"\n  p: "a,b"\n  q: "*"\n  r: "&a"\n  s: "!t"\n  t: "%p"\n  u: "|"\n  v: ">"\n  w: "<<"\n  x: "="\n',
        '  a: \'@x\'\n  b: \'a: b\'\n  c: \'x #c\'\n  d: \'- x\'\n  e: -x\n  f: \'? x\'\n  g: ?x\n  h: \' lead\'\n  i: \'trail \'\n  j: \'---\'\n  k: \'\'\'q\'\n  l: a\'b\n  m: a#b\n  "n": x:y\n  o: \'[a]\'\n  p: a,b\n  q: \'*\'\n  r: \'&a\'\n  s: \'!t\'\n  t: \'%p\'\n  u: \'|\'\n  v: \'>\'\n  w: <<\n  x: =\n',
    ),
    'keys': (
        '  "on": 1\n  "y": 2\n  "1": 3\n  "true": 4\n  "@k": 5\n  "a b": 6\n  "": 7\n  "2001-12-14": 8\n  "~": 9\n',
        '  "": 7\n  \'@k\': 5\n  "~": 9\n  "1": 3\n  "2001-12-14": 8\n  a b: 6\n  "on": 1\n  "true": 4\n  "y": 2\n',
    ),
    'key-order': (
        '  b: 1\n  B: 2\n  _u: 3\n  k10: 4\n  k9: 5\n  k09: 6\n  a1b: 7\n  a01b: 8\n  "10": 9\n  "9": 10\n  a-b: 11\n  a.b: 12\n  aa: 13\n  é: 14\n  x100y: 15\n  x20y: 16\n  x020y: 17\n',
        '  _u: 3\n  "9": 10\n  "10": 9\n  B: 2\n  a-b: 11\n  a.b: 12\n  a1b: 7\n  a01b: 8\n  aa: 13\n  b: 1\n  k9: 5\n  k09: 6\n  k10: 4\n  x20y: 16\n  x020y: 17\n  x100y: 15\n  é: 14\n',
    ),
    'block-scalars': (
        '  a: "x\\ny\\n"\n  b: "x\\ny"\n  c: "x\\n\\n"\n  d: " x\\ny\\n"\n  e: "\\nx\\n"\n  f: "x \\ny\\n"\n  g: "x\\ty\\nz\\n"\n  h: "x\\r\\ny\\n"\n  i: "\\n"\n  j: "caf\\u00e9\\nna\\u00efve\\n"\n  k: "rocket \\U0001F680\\nx\\n"\n  l: |\n    kept\n      indent\n',
        '  a: |\n    x\n    y\n  b: |-\n    x\n    y\n  c: |+\n    x\n\n  d: |2\n     x\n    y\n  e: |2\n\n    x\n  f: "x \\ny\\n"\n  g: "x\\ty\\nz\\n"\n  h: "x\\r\\ny\\n"\n  i: |2+\n\n  j: |\n    café\n    naïve\n  k: "rocket \\U0001F680\\nx\\n"\n  l: |\n    kept\n      indent\n',
    ),
    'folding': (
        '  a: one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen\n  b: "@one two three four five six seven eight nine ten eleven twelve thirteen fourteen"\n  c: "tab\\tone two three four five six seven eight nine ten eleven twelve thirteen fourteen"\n  d: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n  e: "one two  three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"\n  list:\n  - one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen\n',
        '  a: one two three four five six seven eight nine ten eleven twelve thirteen fourteen\n    fifteen\n  b: \'@one two three four five six seven eight nine ten eleven twelve thirteen fourteen\'\n  c: "tab\\tone two three four five six seven eight nine ten eleven twelve thirteen\n    fourteen"\n  d: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n  e: one two  three four five six seven eight nine ten eleven twelve thirteen fourteen\n    fifteen\n  list:\n  - one two three four five six seven eight nine ten eleven twelve thirteen fourteen\n    fifteen\n',
    ),
    'timestamps': (
        '  a: 2001-12-14\n  b: 2001-12-14T21:59:43.10-05:00\n  c: 2001-12-14 21:59:43.10\n  d: 2001-12-14t02:59:43Z\n  e: 2001-1-2\n  f: 2001-02-29\n  g: 2000-02-29\n  h: 2001-12-14T21:59:43+00:00\n  i: 2001-12-14T24:00:00Z\n  j: 2001-12-14T21:59:43.1234567891Z\n  k: 2001-12-14 21:59:43 -5\n',
        '  a: "2001-12-14T00:00:00Z"\n  b: "2001-12-14T21:59:43.1-05:00"\n  c: "2001-12-14T21:59:43.1Z"\n  d: "2001-12-14T02:59:43Z"\n  e: "2001-01-02T00:00:00Z"\n  f: 2001-02-29\n  g: "2000-02-29T00:00:00Z"\n  h: "2001-12-14T21:59:43Z"\n  i: 2001-12-14T24:00:00Z\n  j: "2001-12-14T21:59:43.123456789Z"\n  k: 2001-12-14 21:59:43 -5\n',
    ),
    'escapes': (
        '  a: "bell\\a"\n  b: "esc\\e"\n  c: "\\x01"\n  d: "nbsp\\u00a0x"\n  e: "\\ufeffbom first"\n  f: "mid\\ufeffbom"\n  g: "nel\\u0085x"\n  h: "ls\\u2028x"\n  i: "emoji \\U0001F600"\n  j: "back\\\\slash"\n',
        '  a: "bell\\a"\n  b: "esc\\e"\n  c: "\\x01"\n  d: nbsp\xa0x\n  e: "\\uFEFF\\x62\\x6F\\x6D\\x20\\x66\\x69\\x72\\x73\\x74"\n  f: "mid\\uFEFFbom"\n  g: nel x\n  h: \'ls\u2028    x\'\n  i: "emoji \\U0001F600"\n  j: back\\slash\n',
    ),
    'collections': (
        '  a: {}\n  b: []\n  c: [[1, 2], [], {}]\n  d: [{x: 1, a: 2}]\n  e: {z: {y: {}}}\n',
        '  a: {}\n  b: []\n  c:\n  - - 1\n    - 2\n  - []\n  - {}\n  d:\n  - a: 2\n    x: 1\n  e:\n    z:\n      "y": {}\n',
    ),
    'anchors': (
        '  base: &b {cpu: 1, mem: 2}\n  over:\n    <<: *b\n    mem: 3\n  many:\n    <<: [{a: 1, b: 1}, {b: 2, c: 2}]\n  list: &l [x, y]\n  again: *l\n  "<<": dropped\n',
        '  again:\n  - x\n  - "y"\n  base:\n    cpu: 1\n    mem: 2\n  list:\n  - x\n  - "y"\n  many:\n    a: 1\n    b: 1\n    c: 2\n  over:\n    cpu: 1\n    mem: 3\n',
    ),
    'unicode-15-keys': (
        '  \U00032226: 1\n  "1": 2\n  a: 3\n  \U00011f50: 4\n  é: 5\n',
        '  "1": 2\n  "\\U00011F50": 4\n  a: 3\n  é: 5\n  "\\U00032226": 1\n',
    ),
    'folded-go-yaml-v3': (
        '  a: >\n    fold\n      more\n    back\n  b: >-\n\n    first\n     second\n  c: >2\n      lead\n    x\n  d: >\n    plain\n    lines\n',
        '  a: |\n    fold\n\n      more\n    back\n  b: |2-\n\n    first\n\n     second\n  c: |2\n      lead\n    x\n  d: |\n    plain lines\n',
    ),
    'binary': (
        '  a: !!binary aGVsbG8=\n  b: !!binary |\n    aGVs\n    bG8=\n',
        '  a: hello\n  b: hello\n',
    ),
    'anchors-redefined': (
        '  a: &x first\n  b: *x\n  c: &x [second]\n  d: *x\n',
        '  a: first\n  b: first\n  c:\n  - second\n  d:\n  - second\n',
    ),
    'flow-empty-values': (
        '  a: {x: , y}\n  b: [z: ]\n  c: {x: ~}\n  d:\n  e:\n    ? k\n',
        '  a:\n    x: ""\n    "y": ""\n  b:\n  - z: ""\n  c:\n    x: null\n  d: null\n  e:\n    k: null\n',
    ),
}


@pytest.mark.parametrize("name", sorted(RULES))
def test_rule(name: str) -> None:
    written, printed = RULES[name]
    assert dump_all(load_all(resource(written), "r.yaml")) == HEADER + "spec:\n" + printed


@pytest.mark.parametrize("name", sorted(RULES))
def test_rule_matches_kubectl(name: str, tmp_path, kustomize) -> None:
    written, printed = RULES[name]
    result = kustomize(tmp_path, resource(written))
    assert result.returncode == 0, result.stderr
    assert result.stdout == HEADER + "spec:\n" + printed

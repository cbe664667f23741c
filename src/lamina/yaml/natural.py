"""go-yaml v2's "natural" ordering of mapping keys.

Kustomize prints every mapping with its keys sorted by go-yaml v2's `keyList.Less`
(sigs.k8s.io/yaml hands JSON data to go-yaml v2). The order is neither byte order nor
"apiVersion/kind first": letters sort after everything else, and runs of digits compare
by numeric value (`k9 < k09 < k10`). Any code that must reproduce Kustomize's key order
(the writer, sorting helpers) uses `natural_key` so there is one definition of it.

Go's comparison is not transitive when digit runs meet letters: `2 < 10`, `10 < 1Z`
(a non-letter sorts before a letter) and `1Z < 2`. Go sorts map keys that it visits in
random order, so Kustomize's own output for such a key set is not deterministic; here
the result is deterministic for a given input order, and is one of Go's possible ones.

Letters and digits are judged by Go's Unicode 15.0 tables (Python 3.11 has 14.0; the
difference is patched below). A Python with Unicode newer than 15.0 would call a few
recently added characters letters where Go does not.
"""

from __future__ import annotations

from functools import cmp_to_key, lru_cache
from typing import Iterable

_MASK64 = (1 << 64) - 1


# Go's unicode tables (Unicode 15.0) know letters and digits that Python 3.11's
# (Unicode 14.0) do not. These ranges were measured with kubectl: every code point
# Python calls unassigned was sorted against "1" and "a"; all other code points agree.
_GO_EXTRA_LETTERS = (
    (0x1123F, 0x11240), (0x11F02, 0x11F02), (0x11F04, 0x11F10), (0x11F12, 0x11F33),
    (0x1342F, 0x1342F), (0x13441, 0x13446), (0x1B132, 0x1B132), (0x1B155, 0x1B155),
    (0x1DF25, 0x1DF2A), (0x1E030, 0x1E06D), (0x1E4D0, 0x1E4EB), (0x2B739, 0x2B739),
    (0x31350, 0x323AF),
)
_GO_EXTRA_DIGITS = ((0x11F50, 0x11F59), (0x1E4F0, 0x1E4F9))


def _in(ranges: tuple[tuple[int, int], ...], code: int) -> bool:
    return any(lo <= code <= hi for lo, hi in ranges)


def _is_letter(ch: str) -> bool:
    # Go's unicode.IsLetter is general category L*; so is str.isalpha().
    return ch.isalpha() or (ch >= "\U00011000" and _in(_GO_EXTRA_LETTERS, ord(ch)))


def _is_digit(ch: str) -> bool:
    # Go's unicode.IsDigit is category Nd, which str.isdecimal() tests.
    return ch.isdecimal() or (ch >= "\U00011000" and _in(_GO_EXTRA_DIGITS, ord(ch)))


def _int64(n: int) -> int:
    """Wrap like Go's int64 arithmetic, so huge digit runs compare as Go compares them."""
    n &= _MASK64
    return n - (1 << 64) if n >= 1 << 63 else n


def natural_less(a: str, b: str) -> bool:
    """True when go-yaml v2 would put key `a` before key `b`."""
    if a == b:
        return False
    n = min(len(a), len(b))
    for i in range(n):
        ca, cb = a[i], b[i]
        if ca == cb:
            continue
        la, lb = _is_letter(ca), _is_letter(cb)
        if la and lb:
            return ca < cb
        if la or lb:
            return lb
        seed = 0
        if ca == "0" or cb == "0":
            # A zero that continues a number already under way (the "0" in "10")
            # counts as part of that number, not as a leading zero.
            j = i - 1
            while j >= 0 and _is_digit(a[j]):
                if a[j] != "0":
                    seed = 1
                    break
                j -= 1
        an, ai = _digit_run(a, i, seed)
        bn, bi = _digit_run(b, i, seed)
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return ca < cb
    return len(a) < len(b)


def _digit_run(s: str, i: int, seed: int) -> tuple[int, int]:
    """Go's value of the digit run at s[i:] (with int64 wrap-around) and where it ends."""
    n = seed
    while i < len(s) and _is_digit(s[i]):
        n = n * 10 + (ord(s[i]) - 48)
        i += 1
    return _int64(n), i


def _compare(a: str, b: str) -> int:
    if natural_less(a, b):
        return -1
    if natural_less(b, a):
        return 1
    return 0


# Sort key giving go-yaml v2's key order: sorted(keys, key=natural_key).
natural_key = cmp_to_key(_compare)


def natural_sorted(keys: Iterable[str]) -> tuple[str, ...]:
    """The keys in go-yaml v2's order.

    Manifests repeat the same key sets thousands of times (`name`/`value`, `metadata`),
    so whole key tuples are memoised; the comparator runs once per distinct set.
    """
    return _sorted_tuple(tuple(keys))


@lru_cache(maxsize=8192)
def _sorted_tuple(keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(keys, key=natural_key))


__all__ = ["natural_key", "natural_less", "natural_sorted"]

"""Hypothesis strategies for JSON-like documents that stress Kustomize's YAML rules."""

from __future__ import annotations

from hypothesis import strategies as st

# Words each of which some YAML reader takes for something other than a string.
TRICKY_WORDS = [
    "", " ", "yes", "No", "on", "OFF", "y", "n", "true", "False", "null", "~", "Null",
    "1", "-1", "+1", "0777", "0o17", "0x1F", "0b101", "1_000", "08", "1.0", "1.", ".5",
    "1e3", "1:20", "12:30:45", "2001-12-14", "2001-12-14T21:59:43Z", "2001-13-45",
    ".inf", "-.Inf", ".nan", "<<", "=", "-", "---", "...", "- x", "? x", "a: b", "x #c",
    "@x", "`b", "!t", "&a", "*a", "%p", "|", ">", "'q", '"d', "[a]", "{a}", "a,b",
    "C:\\path", "http://x/y?q=1#f", " lead", "trail ", "a\nb", "a\nb\n", "\nx",
    " x\ny\n", "x \ny", "tab\there", "ding\a", "\x1b[0m", "café", "日本語", "🚀 go",
    "\u00a0nbsp", "a\u2028b", "\ufeffbom",
]

# Characters for free text: anything but surrogates and the C0/C1 controls and DEL that
# Kustomize refuses (tab and newline are added back).
_CHARS = st.characters(
    blacklist_categories=("Cs", "Cc"),
    blacklist_characters="\ufffe\uffff",
) | st.sampled_from("\n\t ")

texts = st.text(_CHARS, max_size=24) | st.sampled_from(TRICKY_WORDS)
long_texts = st.lists(st.sampled_from(["word", "longer-word", "x", "a:b", "#", "é"]),
                      min_size=10, max_size=30).map(" ".join)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(1 << 63), max_value=(1 << 64) - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
    long_texts,
)

keys = texts.filter(lambda k: k != "<<")  # kyaml merges or drops every `<<` key

values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)


def resource_docs(spec=values):
    """Resources of a kind Kustomize has no special rules for, with arbitrary spec."""
    return st.builds(
        lambda spec_value: {
            "apiVersion": "example.com/v1",
            "kind": "Probe",
            "metadata": {"name": "x"},
            "spec": spec_value,
        },
        spec,
    )

"""`images:` entries run as one sequence (an index of entry names picks the candidates for
each image) must leave every object exactly as running each entry over the map does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lamina.model.clone import clone
from lamina.model.resmap import ResMap
from lamina.model.resource import Resource
from lamina.transformers.fieldspecs import default_config
from lamina.transformers.images import ImageTag, ImageTagTransformer, compile_name, transform_in_sequence

NAMES = ["app", "web", "registry.example.com/app", "registry.example.com/web",
         "host:5000/app", "nginx", "ngin.", "app.*", "(web|app)", "registry.example.com/ap+"]
IMAGES = st.builds(lambda n, tag, digest: n + tag + digest,
                   st.sampled_from(["app", "web", "nginx", "registry.example.com/app",
                                    "registry.example.com/web", "host:5000/app", "ngina"]),
                   st.sampled_from(["", ":1.0", ":latest"]),
                   st.sampled_from(["", "@sha256:abc123"]))
ENTRIES = st.builds(ImageTag, st.sampled_from(NAMES),
                    st.sampled_from(["", "app", "web", "mirror.example.com/app"]),
                    st.sampled_from(["", "2.0", "3.1"]), st.sampled_from(["", "sha256:def456"]))


def _deployment(i: int, images: list[str]) -> Resource:
    return Resource({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": f"d{i}"},
                     "spec": {"template": {"spec": {"containers": [
                         {"name": f"c{j}", "image": img} for j, img in enumerate(images)]}}}})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(IMAGES, min_size=1, max_size=3), min_size=1, max_size=4),
       st.lists(ENTRIES, min_size=1, max_size=6))
def test_sequence_equals_entry_by_entry(images, entries):
    specs = default_config().images
    ts = [ImageTagTransformer(e, specs, compile_name(e.name)) for e in entries]
    one = ResMap([_deployment(i, imgs) for i, imgs in enumerate(images)])
    other = ResMap([Resource(clone(r.obj)) for r in one])
    for t in ts:
        t.transform(one)
    transform_in_sequence(ts, other)
    assert [r.obj for r in one] == [r.obj for r in other]

"""A whole layer stack, as the build core drives it: files in, YAML out."""

from __future__ import annotations

import json

from lamina.templates import (check_rendered_yaml, format_values, layer_from_sets, load_schema,
                              load_values_file, merge_layers, render_template, validate_values)
from tests.templates.tpl_helpers import load

BASE_VALUES = """\
name: web
image:
  repository: nginx
  tag: "1.25"
replicas: 1
env:
- {name: LOG_LEVEL, value: info}
- {name: CACHE, value: "on"}
resources:
  limits: {cpu: "1", memory: 512Mi}
"""

PROD_VALUES = """\
replicas: 3
env:
- {name: LOG_LEVEL, value: warn}
- {name: REGION, value: eu-west-1}
resources:
  limits: null
"""

SCHEMA = {
    "type": "object",
    "required": ["name", "image"],
    "properties": {
        "name": {"type": "string"},
        "replicas": {"type": "integer", "minimum": 1},
        "port": {"type": "integer", "default": 8080},
        "image": {"type": "object", "required": ["repository", "tag"],
                  "properties": {"repository": {"type": "string"}, "tag": {"type": "string"}}},
        "env": {"type": "array", "x-lamina-merge-key": "name",
                "items": {"type": "object", "required": ["name"]}},
    },
}

TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ values.name }}
  annotations:
    checksum/env: {{ values.env | tojson | sha256 }}
spec:
  replicas: {{ values.replicas }}
  template:
    spec:
      containers:
      - name: {{ values.name }}
        image: {{ values.image.repository }}:{{ values.image.tag }}
        ports: [{containerPort: {{ values.port }}}]
        env: {{ values.env }}
        resources: {{ values.resources }}
"""


def test_base_overlay_cli_and_schema_render_one_deployment(tmp_path):
    files = {"base/values.yaml": BASE_VALUES, "prod/values.yaml": PROD_VALUES,
             "base/schema.json": json.dumps(SCHEMA, indent=2), "base/deployment.yaml.j2": TEMPLATE}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    read = lambda rel: (rel, (tmp_path / rel).read_text())  # noqa: E731
    schema = load_schema(*read("base/schema.json"))
    layers = [load_values_file(*read("base/values.yaml")), load_values_file(*read("prod/values.yaml")),
              layer_from_sets(["image.tag=1.27.0"], ["env[name=CACHE].value=off"])]
    merged = validate_values(merge_layers(layers, schema.schema), schema.schema, schema.path, schema.positions)
    path, text = read("base/deployment.yaml.j2")
    rendered = render_template(text, path, merged)
    [doc] = check_rendered_yaml(rendered, "base/deployment.yaml.j2")
    env = [{"name": "LOG_LEVEL", "value": "warn"}, {"name": "CACHE", "value": "off"},
           {"name": "REGION", "value": "eu-west-1"}]
    assert doc["spec"] == {"replicas": 3, "template": {"spec": {"containers": [{
        "name": "web", "image": "nginx:1.27.0", "ports": [{"containerPort": 8080}], "env": env, "resources": {}}]}}}
    assert len(doc["metadata"]["annotations"]["checksum/env"]) == 64
    shown = format_values(merged, show_origin=True)
    assert "replicas: 3  # prod/values.yaml:1" in shown
    assert "port: 8080  # base/schema.json:" in shown  # the line of the default
    assert "    value: 'off'  # --set-string" in shown
    assert load(shown) == merged.data

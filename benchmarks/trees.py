"""Input trees for the benchmarks: GitOps trees, flat lists, big CRDs, a one-resource tree.

GitOps trees come from ../shared/bench/gen_tree.py when the checkout sits beside it (the
tree the Kustomize baseline in the shared notes was measured on); otherwise a small
stand-in generator here writes the same shape (bases, one component, overlays with
namespace, prefix, images, replicas, patches and a merged ConfigMap)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_GEN = os.path.join(REPO, "..", "shared", "bench", "gen_tree.py")
ENVS = ["dev", "staging", "prod", "qa", "uat", "perf", "canary", "sandbox", "demo", "dr"]


def write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def gitops_tree(out: str, services: int, envs: int) -> str:
    """N services x E environments; returns the tree's root (it has overlays/<env>/)."""
    if os.path.isdir(os.path.join(out, "overlays")):
        return out
    if os.path.isfile(SHARED_GEN):
        subprocess.run([sys.executable, SHARED_GEN, out, "--services", str(services),
                        "--envs", str(envs), "--force"], check=True, stdout=subprocess.DEVNULL)
        return out
    _fallback_tree(out, services, envs)
    return out


def _fallback_tree(out: str, services: int, envs: int) -> None:
    names = [f"svc-{i:03d}" for i in range(services)]
    for svc in names:
        d = os.path.join(out, "bases", svc)
        write(os.path.join(d, "kustomization.yaml"),
              "resources:\n- deployment.yaml\n- service.yaml\nconfigMapGenerator:\n"
              f"- name: {svc}-config\n  literals:\n  - MODE=base\n"
              f"labels:\n- pairs:\n    app: {svc}\n  includeSelectors: true\n")
        write(os.path.join(d, "deployment.yaml"), f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {svc}
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: server
        image: registry.example.com/{svc}:1.0.0
        envFrom:
        - configMapRef:
            name: {svc}-config
""")
        write(os.path.join(d, "service.yaml"), f"""apiVersion: v1
kind: Service
metadata:
  name: {svc}
spec:
  ports:
  - port: 80
    targetPort: 8080
""")
    write(os.path.join(out, "components", "monitoring", "kustomization.yaml"),
          "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n"
          "- target:\n    kind: Deployment\n  patch: |-\n    - op: add\n"
          "      path: /metadata/annotations\n      value: {prometheus.io/scrape: \"true\"}\n")
    for e, env in enumerate(ENVS[:envs] + [f"env{i}" for i in range(len(ENVS), envs)]):
        d = os.path.join(out, "overlays", env)
        lines = [f"namespace: {env}", f"namePrefix: {env}-", "resources:"]
        lines += [f"- ../../bases/{svc}" for svc in names]
        lines += ["components:", "- ../../components/monitoring", "images:"]
        lines += [f"- name: registry.example.com/{svc}\n  newTag: 1.{e}.0" for svc in names]
        lines += ["replicas:"] + [f"- name: {svc}\n  count: 2" for svc in names]
        lines += ["configMapGenerator:"]
        lines += [f"- name: {svc}-config\n  behavior: merge\n  literals:\n  - ENV={env}"
                  for svc in names]
        lines += ["patches:"] + [f"- path: patches/{svc}.yaml" for svc in names]
        write(os.path.join(d, "kustomization.yaml"), "\n".join(lines) + "\n")
        for svc in names:
            write(os.path.join(d, "patches", f"{svc}.yaml"),
                  f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {svc}\n"
                  f"spec:\n  template:\n    metadata:\n      labels:\n        env: {env}\n")


def flat_tree(out: str, n: int) -> str:
    """`resources: [all.yaml]` with n mixed documents (Deployments, Services, ConfigMaps)."""
    if os.path.isfile(os.path.join(out, "kustomization.yaml")):
        return out
    docs = []
    for i in range(n):
        kind = i % 3
        if kind == 0:
            docs.append(f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  labels:
    app: app-{i}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: app-{i}
  template:
    metadata:
      labels:
        app: app-{i}
    spec:
      containers:
      - name: main
        image: registry.example.com/app-{i}:1.{i % 7}.0
        ports:
        - containerPort: 8080
        resources:
          requests:
            cpu: 100m
            memory: 128Mi
""")
        elif kind == 1:
            docs.append(f"""apiVersion: v1
kind: Service
metadata:
  name: app-{i}
spec:
  selector:
    app: app-{i - 1}
  ports:
  - name: http
    port: 80
    targetPort: 8080
""")
        else:
            docs.append(f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: app-{i}
data:
  LOG_LEVEL: info
  FEATURE_{i}: "true"
  ENDPOINT: https://api.example.com/{i}
""")
    write(os.path.join(out, "all.yaml"), "---\n".join(docs))
    write(os.path.join(out, "kustomization.yaml"), "resources:\n- all.yaml\n")
    return out


def crd_tree(out: str, megabytes: float = 10.0, count: int = 4) -> str:
    """A few large CustomResourceDefinitions (deeply nested openAPIV3Schema), no transforms."""
    if os.path.isfile(os.path.join(out, "kustomization.yaml")):
        return out
    target = int(megabytes * 1_000_000 / count)
    files = []
    for c in range(count):
        props, size, i = [], 0, 0
        while size < target:
            block = (f"                  field{i}:\n"
                     f"                    description: Field {i} of crd {c}; a generated "
                     f"property with a longer description line to look real.\n"
                     f"                    type: object\n"
                     f"                    properties:\n"
                     f"                      enabled:\n"
                     f"                        type: boolean\n"
                     f"                      replicas:\n"
                     f"                        format: int32\n"
                     f"                        type: integer\n"
                     f"                      mode:\n"
                     f"                        enum: [a, b, c]\n"
                     f"                        type: string\n")
            props.append(block)
            size += len(block)
            i += 1
        name = f"widget{c}s.bench.example.com"
        text = f"""apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: {name}
spec:
  group: bench.example.com
  names:
    kind: Widget{c}
    plural: widget{c}s
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              config:
                type: object
                properties:
""" + "".join(props)
        files.append(f"crd{c}.yaml")
        write(os.path.join(out, f"crd{c}.yaml"), text)
    write(os.path.join(out, "kustomization.yaml"),
          "resources:\n" + "".join(f"- {f}\n" for f in files))
    return out


def one_resource_tree(out: str) -> str:
    write(os.path.join(out, "kustomization.yaml"), "resources:\n- cm.yaml\n")
    write(os.path.join(out, "cm.yaml"),
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\ndata:\n  a: b\n")
    return out


def copy_tree(src: str, dst: str) -> str:
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    return dst

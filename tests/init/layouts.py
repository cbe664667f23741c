"""Small trees shaped like public repositories' Kustomize layouts (their folder structure
and the kinds of kustomization they hold, not their content), for `lamina init`."""

from __future__ import annotations

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
      - name: {name}
        image: example.com/{name}:latest
        ports:
        - containerPort: 8080
"""
SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector:
    app: {name}
  ports:
  - port: 80
    targetPort: 8080
"""
HPA = """apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {name}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {name}
  minReplicas: 2
  maxReplicas: 4
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: 80
"""
HELMRELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: {name}
  namespace: {name}
spec:
  interval: 1h
  chart:
    spec:
      chart: {name}
      sourceRef:
        kind: HelmRepository
        name: {name}
"""
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n"
K = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
COMPONENT = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"


def app(prefix: str, name: str) -> dict[str, str]:
    return {f"{prefix}/deployment.yaml": DEPLOY.format(name=name),
            f"{prefix}/service.yaml": SERVICE.format(name=name)}


# podinfo: one kustomization in kustomize/ (deployment, service, hpa), no overlays.
PODINFO = {
    "kustomize/kustomization.yaml": K + "resources:\n- hpa.yaml\n- deployment.yaml\n- service.yaml\n",
    "kustomize/hpa.yaml": HPA.format(name="podinfo"),
    **app("kustomize", "podinfo"),
    "charts/podinfo/Chart.yaml": "apiVersion: v2\nname: podinfo\nversion: 1.0.0\n",
    "README.md": "# podinfo-like\n",
}

# microservices-demo: kustomize/ builds base/; components/ are Components; tests/<x>/ are
# variants combining the base with components.
MICROSERVICES = {
    "kustomize/kustomization.yaml": K + "resources:\n- base\n# components:\n# - components/network-policies\n",
    "kustomize/base/kustomization.yaml": K + "resources:\n- frontend.yaml\n- cartservice.yaml\n",
    "kustomize/base/frontend.yaml": DEPLOY.format(name="frontend") + "---\n" + SERVICE.format(name="frontend"),
    "kustomize/base/cartservice.yaml": DEPLOY.format(name="cartservice") + "---\n" + SERVICE.format(name="cartservice"),
    "kustomize/components/network-policies/kustomization.yaml": COMPONENT + "resources:\n- deny-all.yaml\n",
    "kustomize/components/network-policies/deny-all.yaml": (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny-all\n"
        "spec:\n  podSelector: {}\n  policyTypes:\n  - Ingress\n"),
    "kustomize/components/branding/kustomization.yaml": COMPONENT + (
        "patches:\n- patch: |-\n    - op: add\n      path: /spec/template/spec/containers/0/env\n"
        "      value: [{name: BRANDING, value: \"on\"}]\n  target:\n    kind: Deployment\n    name: frontend\n"),
    "kustomize/tests/network-policies/kustomization.yaml": K + (
        "resources:\n- ../../base\ncomponents:\n- ../../components/network-policies\n"),
    "kustomize/tests/branding/kustomization.yaml": K + (
        "resources:\n- ../../base\ncomponents:\n- ../../components/branding\n"),
    "release/kubernetes-manifests.yaml": DEPLOY.format(name="frontend"),
}

# A Flux repository: clusters/<name>/ hold Flux's bootstrap and Flux Kustomization objects
# pointing at apps/<env> and infrastructure/, which are Kustomize overlays over apps/base.
_FLUX_KS = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps/{env}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""
FLUX = {
    "apps/base/podinfo/kustomization.yaml": K + "namespace: podinfo\nresources:\n- namespace.yaml\n- release.yaml\n",
    "apps/base/podinfo/namespace.yaml": NAMESPACE.format(name="podinfo"),
    "apps/base/podinfo/release.yaml": HELMRELEASE.format(name="podinfo"),
    "apps/staging/kustomization.yaml": K + "resources:\n- ../base/podinfo\n",
    "apps/production/kustomization.yaml": K + (
        "resources:\n- ../base/podinfo\npatches:\n- patch: |-\n    - op: replace\n"
        "      path: /spec/interval\n      value: 30m\n  target:\n    kind: HelmRelease\n"),
    "infrastructure/controllers/kustomization.yaml": K + "resources:\n- ingress-nginx.yaml\n",
    "infrastructure/controllers/ingress-nginx.yaml": NAMESPACE.format(name="ingress-nginx")
    + "---\n" + HELMRELEASE.format(name="ingress-nginx"),
    "clusters/staging/apps.yaml": _FLUX_KS.format(env="staging"),
    "clusters/production/apps.yaml": _FLUX_KS.format(env="production"),
    **{f"clusters/{c}/flux-system/{f}": "# generated by flux bootstrap\n"
       for c in ("staging", "production") for f in ("gotk-components.yaml", "gotk-sync.yaml")},
    **{f"clusters/{c}/flux-system/kustomization.yaml": K + "resources:\n- gotk-components.yaml\n- gotk-sync.yaml\n"
       for c in ("staging", "production")},
}

# argocd-example-apps: one folder per example app, a Kustomize one among Helm and plain ones.
ARGOCD_EXAMPLES = {
    "kustomize-guestbook/kustomization.yaml": K + "namePrefix: kustomize-\nresources:\n- guestbook-ui-deployment.yaml\n- guestbook-ui-svc.yaml\n",
    "kustomize-guestbook/guestbook-ui-deployment.yaml": DEPLOY.format(name="guestbook-ui"),
    "kustomize-guestbook/guestbook-ui-svc.yaml": SERVICE.format(name="guestbook-ui"),
    "helm-guestbook/Chart.yaml": "apiVersion: v2\nname: helm-guestbook\nversion: 0.1.0\n",
    "guestbook/guestbook-ui-deployment.yaml": DEPLOY.format(name="guestbook-ui"),
}

# clusters/<cluster>/<env> over a shared base.
CLUSTERS = {
    "base/kustomization.yaml": K + "resources:\n- deployment.yaml\n- service.yaml\n",
    **app("base", "api"),
    **{f"clusters/{c}/{e}/kustomization.yaml": K + f"namespace: api-{e}\nresources:\n- ../../../base\n"
       for c in ("eu-west", "us-east") for e in ("staging", "prod")},
}

# apps/<app>/overlays/<env> with a base per app, plus envs/<env> folders for a second team.
APPS = {
    **{f"apps/{a}/base/kustomization.yaml": K + "resources:\n- deployment.yaml\n- service.yaml\n"
       for a in ("cart", "shop")},
    **app("apps/cart/base", "cart"), **app("apps/shop/base", "shop"),
    **{f"apps/{a}/overlays/{e}/kustomization.yaml": K + f"namespace: {a}-{e}\nresources:\n- ../../base\n"
       for a in ("cart", "shop") for e in ("dev", "prod")},
}

ENVS = {
    "k8s/base/kustomization.yaml": K + "resources:\n- deployment.yaml\n",
    "k8s/base/deployment.yaml": DEPLOY.format(name="web"),
    **{f"k8s/envs/{e}/kustomization.yaml": K + f"namespace: web-{e}\nresources:\n- ../../base\n"
       for e in ("qa", "live")},
    # A remote base cannot be built offline: left out, not a failure.
    "k8s/envs/remote/kustomization.yaml": K + "resources:\n- https://github.com/example/base//k8s?ref=v1\n",
}

# podinfo's deploy/: bases/<tier>/ (one of them used by no overlay yet) and a webapp that
# combines the others.
PODINFO_DEPLOY = {
    **{f"deploy/bases/{t}/kustomization.yaml": K + "resources:\n- deployment.yaml\n- service.yaml\n"
       for t in ("backend", "frontend", "cache")},
    **app("deploy/bases/backend", "backend"), **app("deploy/bases/frontend", "frontend"),
    **app("deploy/bases/cache", "cache"),
    "deploy/webapp/kustomization.yaml": K + "namespace: webapp\nresources:\n- ../bases/backend\n- ../bases/frontend\n",
}

"""high-entropy finds credentials by their shape in ConfigMaps and env values, and never
prints them (issue 12: a PEM key, an AWS secret in a config blob and a password in a URL
passed unflagged)."""

from __future__ import annotations

import pytest
import yaml

from tests.helpers.checks import findings

# Shapes only: none of these is a live credential.
PEM = ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
       "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----\n")
AWS_ID = "AKIA" + "QX7TZ3RB2LWN5KDE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"
SECRETS = {
    "pem": ("a PEM private key", PEM),
    "aws-blob": ("an AWS access key id and an AWS secret access key",
                 f"[default]\nregion = eu-west-1\naws_access_key_id = {AWS_ID}\n"
                 f"aws_secret_access_key = {AWS_SECRET}\n"),
    "aws-json": ("an AWS secret access key",
                 '{"region": "eu-west-1", "SecretAccessKey": "' + AWS_SECRET + '"}'),
    "gcp": ("a PEM private key and a GCP service-account private key",
            '{"type": "service_account", "project_id": "shop", "private_key_id": "'
            + "3f" * 20 + '", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEv...\\n'
            '-----END PRIVATE KEY-----\\n", "client_email": "ci@shop.iam.gserviceaccount.com"}'),
    "azure-storage": ("an Azure storage account key",
                      "DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey="
                      + "Zm9vYmFy" * 11 + "==;EndpointSuffix=core.windows.net"),
    "azure-ad": ("an Azure AD client secret", "Ab1" + "8Q~" + "kLmNoPqRsTuVwXyZ0123456789abcdEF"),
    "github": ("a GitHub token", "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"),
    "slack": ("a Slack token", "xoxb-" + "1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"),
    "url": ("a password inside a postgres:// URL to host 'db.prod.internal'",
            "postgres://shop:Tr0ub4dor-3@db.prod.internal:5432/shop?sslmode=require"),
}


def _findings(text: str) -> list:
    return findings("high-entropy", text)


def _configmap(key: str, value: str) -> str:
    return yaml.safe_dump({"apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": {"name": "app", "namespace": "shop"},
                           "data": {key: value}})


def _deployment(name: str, value: str) -> str:
    return yaml.safe_dump({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app", "namespace": "shop"},
        "spec": {"selector": {"matchLabels": {"app": "app"}}, "template": {
            "metadata": {"labels": {"app": "app"}},
            "spec": {"containers": [{"name": "app", "image": "app:1.0.0",
                                     "env": [{"name": "MODE", "value": "server"},
                                             {"name": name, "value": value}]}]}}}})


@pytest.mark.parametrize("key", sorted(SECRETS))
def test_credential_shapes_in_a_configmap_are_flagged_and_redacted(key: str) -> None:
    what, value = SECRETS[key]
    found = _findings(_configmap("settings", value))
    assert [f.message for f in found] == [f"data key 'settings' holds {what}; move it to a Secret"]
    assert found[0].field == ("data", "settings")
    for secret in (value, AWS_ID, AWS_SECRET, "Tr0ub4dor-3", "MIIEowIBAAKCAQEA"):
        assert secret not in found[0].message


@pytest.mark.parametrize("key", ["url", "github", "aws-blob"])
def test_credential_shapes_in_env_values_are_flagged(key: str) -> None:
    what, value = SECRETS[key]
    found = _findings(_deployment("SETTINGS", value))
    assert [(f.message, f.field) for f in found] == [
        (f"container 'app' env 'SETTINGS' holds {what}; use secretKeyRef",
         ("spec", "template", "spec", "containers", ("name", "app"), "env", ("name", "SETTINGS"),
          "value"))]


@pytest.mark.parametrize("value", [
    "postgres://shop@db.prod.internal:5432/shop",             # no password
    "postgres://shop:${DB_PASSWORD}@db.prod.internal/shop",   # a placeholder
    "redis://:{{ .Values.password }}@redis:6379",
    "https://user:****@example.com",
    "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n",
    "-----BEGIN PUBLIC KEY-----\nMFkw...\n-----END PUBLIC KEY-----\n",
    "arn:aws:iam::123456789012:role/shop-reader",
    "AKIAEXAMPLE",                                            # too short for a key id
    "ghp_short",
    "https://grafana.example.com/d/abc/overview?orgId=1",
])
def test_lookalikes_are_not_flagged(value: str) -> None:
    assert _findings(_configmap("settings", value)) == []

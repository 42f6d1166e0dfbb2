"""Every YAML parses; the kustomize overlays render and pass the Kubernetes schemas (kubernetes-validate)."""

from __future__ import annotations

import json
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from tests.unit.deploy.helpers import DEPLOY, K8S, OVERLAYS, ROOT, by_kind, kustomize_command, python_kustomize, render

K8S_VERSION = "1.33.0"
YAML_FILES = sorted(
    [*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml"), *(ROOT / ".github").rglob("*.yml")],
)


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_yaml_file_parses(path: Path) -> None:
    docs = list(yaml.safe_load_all(path.read_text()))
    assert any(docs), f"{path} is empty"


def test_json_files_parse() -> None:
    for path in [*DEPLOY.rglob("*.json"), *(ROOT / "infra").rglob("*.json")]:
        json.loads(path.read_text())


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_passes_kubernetes_schema(overlay: str) -> None:
    docs = render(K8S / "overlays" / overlay)
    assert len(docs) > 20
    for doc in docs:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_secret_template_passes_schema_and_is_not_deployed() -> None:
    templates = list(yaml.safe_load_all((K8S / "secret.template.yaml").read_text()))
    assert [t["metadata"]["name"] for t in templates] == ["learning-platform-secrets", "learning-platform-kafka-relay"]
    for template in templates:
        kubernetes_validate.validate(template, K8S_VERSION, strict=True)
    for overlay in OVERLAYS:
        assert not by_kind(render(K8S / "overlays" / overlay), "Secret"), "secrets are created out of band"


def test_python_renderer_matches_kustomize() -> None:
    """The fallback renderer (used where no kustomize binary exists) gives what kustomize gives."""
    if kustomize_command() is None:
        pytest.skip("no kustomize binary here: overlays are rendered by the Python fallback only")
    for overlay in OVERLAYS:
        real = render(K8S / "overlays" / overlay)
        ours = python_kustomize(K8S / "overlays" / overlay)
        key = lambda d: (d["kind"], d["metadata"]["name"])  # noqa: E731
        assert sorted(map(key, real)) == sorted(map(key, ours))
        real_by_key = {key(d): d for d in real}
        for doc in ours:
            other = real_by_key[key(doc)]
            assert doc.get("spec") == other.get("spec") or doc["kind"] in {"Deployment", "Job"}, key(doc)
            assert doc.get("data") == other.get("data"), key(doc)
            assert doc["metadata"]["namespace"] == other["metadata"]["namespace"]
            if doc["kind"] in {"Deployment", "Job"}:
                ours_c = doc["spec"]["template"]["spec"]["containers"]
                real_c = other["spec"]["template"]["spec"]["containers"]
                assert ours_c == real_c, key(doc)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_workloads_are_hardened_and_sized(overlay: str) -> None:
    docs = render(K8S / "overlays" / overlay)
    workloads = {**by_kind(docs, "Deployment"), **by_kind(docs, "Job")}
    for name, doc in workloads.items():
        pod = doc["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["automountServiceAccountToken"] is False, name
        for container in pod["containers"]:
            assert container["resources"]["requests"], name
            assert container["resources"]["limits"], name
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert "/learning-platform:git-" in container["image"], name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_web_probes_ingress_and_autoscaling(overlay: str) -> None:
    docs = render(K8S / "overlays" / overlay)
    web = by_kind(docs, "Deployment")["web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["startupProbe"]["httpGet"]["path"] == "/healthz"
    hpa = by_kind(docs, "HorizontalPodAutoscaler")["web"]
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    paths = {p["path"] for r in by_kind(docs, "Ingress")["web"]["spec"]["rules"] for p in r["http"]["paths"]}
    assert {"/", "/ws/"} <= paths
    assert set(by_kind(docs, "PodDisruptionBudget")) >= {"web", "worker", "relay"}
    assert by_kind(docs, "Deployment")["scheduler"]["spec"]["replicas"] == 1
    assert by_kind(docs, "Deployment")["scheduler"]["spec"]["strategy"]["type"] == "Recreate"
    assert {"migrate", "kafka-topics"} <= set(by_kind(docs, "Job"))

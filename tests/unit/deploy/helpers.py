"""Shared helpers of the deployment tests: paths, YAML loading, kustomize rendering, the checkov venv."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
INFRA = ROOT / "infra"
OVERLAYS = ("dev", "prod")
CHECKOV_VENV = ROOT / ".venv-checkov"
CHECKOV_REQUIREMENTS = ROOT / "requirements" / "checkov.txt"


def load_all(path: Path) -> list[dict[str, Any]]:
    # deepcopy: YAML aliases would otherwise share one object between documents.
    return [copy.deepcopy(doc) for doc in yaml.safe_load_all(path.read_text()) if doc]


# ---- kustomize --------------------------------------------------------------------------------------------


def kustomize_command() -> list[str] | None:
    """A real kustomize if this machine has one (kustomize, or kubectl's built-in), else None."""
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        probe = subprocess.run(["kubectl", "kustomize", "--help"], capture_output=True, timeout=60, check=False)
        if probe.returncode == 0:
            return ["kubectl", "kustomize"]
    return None


def _merge(base: Any, patch: Any) -> Any:
    """Strategic merge, as far as these manifests need it: maps merge, lists of named items merge by name."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    if (
        isinstance(base, list)
        and isinstance(patch, list)
        and all(isinstance(i, dict) and "name" in i for i in base + patch)
    ):
        merged = {item["name"]: item for item in base}
        for item in patch:
            merged[item["name"]] = _merge(merged[item["name"]], item) if item["name"] in merged else item
        return list(merged.values())
    return copy.deepcopy(patch)


def _pod_spec(doc: dict[str, Any]) -> dict[str, Any] | None:
    template = doc.get("spec", {}).get("template")
    return template.get("spec") if template else None


def python_kustomize(directory: Path) -> list[dict[str, Any]]:  # noqa: C901 - one branch per kustomize field
    """A small kustomize for the subset these kustomizations use: resources, namespace, labels, images and
    strategic-merge patches by kind and name. Used when no kustomize binary is available."""
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text())
    docs: list[dict[str, Any]] = []
    for resource in spec.get("resources", []):
        path = directory / resource
        docs += python_kustomize(path) if path.is_dir() else load_all(path)
    for patch_ref in spec.get("patches", []):
        for patch in load_all(directory / patch_ref["path"]):
            matches = [
                i
                for i, d in enumerate(docs)
                if d["kind"] == patch["kind"] and d["metadata"]["name"] == patch["metadata"]["name"]
            ]
            assert matches, f"patch target {patch['kind']}/{patch['metadata']['name']} not found"
            for i in matches:
                docs[i] = _merge(docs[i], patch)
    for pairs in [entry["pairs"] for entry in spec.get("labels", [])]:
        for doc in docs:
            doc["metadata"].setdefault("labels", {}).update(pairs)
    for image in spec.get("images", []):
        for doc in docs:
            pod = _pod_spec(doc)
            for container in (pod or {}).get("containers", []):
                name, _, tag = container["image"].partition(":")
                if name == image["name"]:
                    container["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag)}"
    if "namespace" in spec:
        for doc in docs:
            doc["metadata"]["namespace"] = spec["namespace"]
    return docs


@cache
def render(directory: Path) -> tuple[dict[str, Any], ...]:
    command = kustomize_command()
    if command is None:
        return tuple(python_kustomize(directory))
    out = subprocess.run([*command, str(directory)], capture_output=True, text=True, timeout=120, check=True)
    return tuple(doc for doc in yaml.safe_load_all(out.stdout) if doc)


def by_kind(docs: tuple[dict[str, Any], ...] | list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


# ---- checkov (its own virtualenv: its pins clash with the application's) ----------------------------------


def checkov_binary() -> Path | None:
    """The checkov of .venv-checkov, creating that venv from requirements/checkov.txt if it is missing.

    Returns None when it cannot be created (no network on a laptop); under CI=true that is an error.
    """
    binary = CHECKOV_VENV / "bin" / "checkov"
    if binary.exists():
        return binary
    try:
        subprocess.run([sys.executable, "-m", "venv", str(CHECKOV_VENV)], check=True, timeout=120)
        subprocess.run(
            [str(CHECKOV_VENV / "bin" / "pip"), "install", "-q", "-r", str(CHECKOV_REQUIREMENTS)],
            check=True,
            timeout=900,
        )
    except (subprocess.SubprocessError, OSError):
        if os.environ.get("CI") == "true":
            raise
        return None
    return binary if binary.exists() else None

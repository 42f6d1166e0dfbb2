"""The manifests agree with the request body limits: the ingress admits big bodies on the upload route only,
and the web pod's temp volume holds the copies of the biggest upload the ingress admits."""

import pytest
from django.conf import settings

from tests.unit.deploy.helpers import K8S, OVERLAYS, by_kind, render

MB = 1024 * 1024
UNITS = {"m": MB, "Mi": MB, "Gi": 1024 * MB}


def _bytes(quantity: str) -> int:
    for suffix, factor in UNITS.items():
        if quantity.endswith(suffix):
            return int(quantity.removesuffix(suffix)) * factor
    return int(quantity)


def _paths(ingress: dict) -> set[tuple[str, str]]:
    return {(p["path"], p["pathType"]) for r in ingress["spec"]["rules"] for p in r["http"]["paths"]}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_upload_route_admits_big_bodies(overlay: str) -> None:
    ingresses = by_kind(render(K8S / "overlays" / overlay), "Ingress")
    body_size = "nginx.ingress.kubernetes.io/proxy-body-size"

    web, uploads = ingresses["web"], ingresses["web-uploads"]

    assert _bytes(web["metadata"]["annotations"][body_size]) == settings.REQUEST_MAX_BODY_BYTES
    assert _paths(uploads) == {
        ("/api/v1/documents/", "Exact"),
        ("/api/v1/transcriptions/", "Exact"),
        ("/documents/upload/", "Exact"),  # the web app's upload forms
        ("/lectures/upload/", "Exact"),
    }
    admitted = _bytes(uploads["metadata"]["annotations"][body_size])
    assert settings.REQUEST_UPLOAD_MAX_BODY_BYTES <= admitted < settings.REQUEST_UPLOAD_MAX_BODY_BYTES + MB
    assert {r["host"] for r in web["spec"]["rules"]} == {r["host"] for r in uploads["spec"]["rules"]}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_web_temp_volume_holds_several_of_the_biggest_uploads(overlay: str) -> None:
    web = by_kind(render(K8S / "overlays" / overlay), "Deployment")["web"]["spec"]["template"]["spec"]
    tmp = next(v for v in web["volumes"] if v["name"] == "tmp")

    copies_per_upload = 3  # daphne's buffer, Django's body copy, the parsed file
    assert _bytes(tmp["emptyDir"]["sizeLimit"]) >= 6 * copies_per_upload * settings.REQUEST_UPLOAD_MAX_BODY_BYTES

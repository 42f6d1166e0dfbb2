import pytest
import yaml

pytestmark = pytest.mark.django_db


def test_schema_lists_learner_endpoints_under_api_v1(client):
    response = client.get("/api/schema/")

    schema = yaml.safe_load(response.content)
    assert response.status_code == 200
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/me/" in schema["paths"]
    assert "/api/v1/auth/token/" in schema["paths"]
    assert all(path.startswith("/api/v1/") for path in schema["paths"])


def test_schema_documents_429_and_error_shape(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)

    me = schema["paths"]["/api/v1/me/"]["get"]["responses"]
    assert "429" in me
    assert "401" in me
    assert "ErrorResponse" in schema["components"]["schemas"]


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_assets_from_this_server_not_a_cdn(client, path):
    page = client.get(path).content.decode()

    assert "cdn." not in page
    assert "unpkg" not in page
    assert "/static/drf_spectacular_sidecar/" in page

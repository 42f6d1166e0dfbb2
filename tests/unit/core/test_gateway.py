import pytest
from django.test import override_settings
from rest_framework.throttling import SimpleRateThrottle

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


@pytest.fixture
def tight_limits(settings):
    """Throttle rates are settings: tests set their own (DRF caches them on the throttle class)."""
    rates: dict[str, str | None] = {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        **{"ip": "1000/min", "user": "3/min", "auth": "2/min", "refresh": "1000/min", "signin_failures": "100/min"},
    }
    original = SimpleRateThrottle.THROTTLE_RATES
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    SimpleRateThrottle.THROTTLE_RATES = rates
    yield rates
    SimpleRateThrottle.THROTTLE_RATES = original


def test_over_limit_user_gets_429_with_retry_after(auth_client, tight_limits):
    statuses = [auth_client.get(ME).status_code for _ in range(4)]
    response = auth_client.get(ME)

    assert statuses == [200, 200, 200, 429]
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "throttled"
    assert response.json()["error"]["retry_after_seconds"] > 0


def test_user_limit_is_per_user(user, other_user, client_for, tight_limits):
    for _ in range(3):
        client_for(user).get(ME)

    assert client_for(user).get(ME).status_code == 429
    assert client_for(other_user).get(ME).status_code == 200


def test_sign_in_is_limited_per_address(api_client, user, tight_limits):
    statuses = [
        api_client.post("/api/v1/auth/token/", {"email": user.email, "password": "wrong"}).status_code for _ in range(3)
    ]

    assert statuses == [401, 401, 429]


def test_bad_json_is_400_with_error_shape(auth_client):
    response = auth_client.generic("PATCH", ME, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert response.json()["error"]["message"]


def test_unsupported_media_type_is_415(auth_client):
    response = auth_client.generic("PATCH", ME, "display_name=x", content_type="text/csv")

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_method_not_allowed_has_error_shape(auth_client):
    response = auth_client.put(ME, {"display_name": "x"}, format="json")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_unknown_api_path_is_json_404(auth_client):
    response = auth_client.get("/api/v1/does-not-exist/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_request_id_is_echoed_or_minted(auth_client):
    echoed = auth_client.get(ME, HTTP_X_REQUEST_ID="abc-123")
    minted = auth_client.get(ME)
    hostile = auth_client.get(ME, HTTP_X_REQUEST_ID="bad id\nwith newline")

    assert echoed["X-Request-ID"] == "abc-123"
    assert len(minted["X-Request-ID"]) == 32
    assert hostile["X-Request-ID"] != "bad id\nwith newline"


def test_error_body_carries_the_request_id(api_client):
    response = api_client.get(ME, HTTP_X_REQUEST_ID="trace-me")

    assert response.json()["error"]["request_id"] == "trace-me"


@override_settings(CORS_ALLOWED_ORIGINS=["https://app.example.com"])
def test_cors_allows_configured_origin_only(api_client):
    allowed = api_client.options(ME, HTTP_ORIGIN="https://app.example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    denied = api_client.options(ME, HTTP_ORIGIN="https://evil.example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")

    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "Access-Control-Allow-Origin" not in denied


@pytest.mark.parametrize("page_size", ["null", "0", "101", "ten"], ids=str)
def test_a_bad_page_size_is_a_validation_error_not_ignored(auth_client, page_size):
    response = auth_client.get("/api/v1/jobs/", {"page_size": page_size})

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"page_size": ["A whole number from 1 to 100."]}


def test_an_empty_page_size_means_the_default(auth_client):
    response = auth_client.get("/api/v1/jobs/", {"page_size": ""})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [("/api/v1/me/", {"display_name": 0}), ("/api/v1/auth/logout/", {"refresh": 0})],
    ids=["profile-number", "logout-number"],
)
def test_a_number_where_the_schema_says_string_is_refused(auth_client, path, body):
    method = auth_client.patch if path == "/api/v1/me/" else auth_client.post

    response = method(path, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_json_routes_refuse_form_bodies_with_the_error_shape(auth_client):
    response = auth_client.patch("/api/v1/me/", "[]", content_type="multipart/form-data; boundary=x")

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_the_schema_documents_paginated_lists_and_upload_errors(client):
    schema = client.get("/api/schema/?format=json").json()

    jobs = schema["paths"]["/api/v1/jobs/"]["get"]
    upload = schema["paths"]["/api/v1/documents/"]["post"]
    assert jobs["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("PaginatedJobOutputList")
    assert {"413", "415"} <= set(upload["responses"])
    assert list(schema["paths"]["/api/v1/auth/logout/"]["post"]["requestBody"]["content"]) == ["application/json"]

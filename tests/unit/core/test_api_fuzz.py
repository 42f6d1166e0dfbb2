"""Property-based fuzzing of every documented endpoint (schemathesis): no input may produce a 5xx."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error

from tests.factories import make_user

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


@pytest.fixture
def bearer(db):
    return {"Authorization": f"Bearer {RefreshToken.for_user(make_user()).access_token}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_api_fail(case, bearer):
    response = case.call(headers=bearer)

    case.validate_response(response, checks=[not_a_server_error])

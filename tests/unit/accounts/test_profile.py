import pytest

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def test_profile_requires_authentication(api_client):
    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_profile_shows_only_the_signed_in_learner(user, other_user, client_for):
    response = client_for(user).get(ME)

    assert response.status_code == 200
    assert response.json()["email"] == user.email
    assert other_user.email not in response.content.decode()


def test_learner_changes_only_their_own_profile(user, other_user, client_for):
    response = client_for(user).patch(ME, {"display_name": "New Name", "id": other_user.pk, "email": "x@example.com"})

    user.refresh_from_db()
    other_user.refresh_from_db()
    assert response.status_code == 200
    assert user.display_name == "New Name"
    assert user.email != "x@example.com"
    assert other_user.display_name != "New Name"


def test_there_is_no_endpoint_for_another_learners_profile(user, other_user, client_for):
    response = client_for(user).get(f"/api/v1/users/{other_user.pk}/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_profile_rejects_overlong_display_name(auth_client):
    response = auth_client.patch(ME, {"display_name": "x" * 151})

    assert response.status_code == 400
    assert "display_name" in response.json()["error"]["details"]

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from apps.accounts import views as account_views
from apps.core import views as core_views

api_v1: list[URLPattern | URLResolver] = [
    path("", include("apps.accounts.urls")),
    path("", include("apps.jobs.urls")),
    path("", include("apps.documents.urls")),
    path("ops/readiness/", core_views.ReadinessDetailApi.as_view(), name="ops-readiness"),
    path("", include("apps.speech.urls")),
    path("", include("apps.notes.urls")),
    path("", include("apps.quizzes.urls")),
    path("", include("apps.chat.urls")),
]

urlpatterns = [
    path("admin/login/", account_views.admin_login, name="admin-login"),  # throttled; the rest is the admin's
    path("admin/", admin.site.urls),
    path("verify-email", account_views.verify_email_page, name="verify-email-page"),
    path("reset-password", account_views.reset_password_page, name="reset-password-page"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("", include("apps.web.urls")),  # the learner web app, at the site's root
]

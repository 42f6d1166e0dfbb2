from django.urls import path

from apps.accounts import api

urlpatterns = [
    path("auth/register/", api.RegisterApi.as_view(), name="auth-register"),
    path("auth/verify-email/", api.VerifyEmailApi.as_view(), name="auth-verify-email"),
    path("auth/verify-email/resend/", api.ResendVerificationApi.as_view(), name="auth-verify-email-resend"),
    path("auth/password-reset/", api.PasswordResetApi.as_view(), name="auth-password-reset"),
    path("auth/password-reset/confirm/", api.PasswordResetConfirmApi.as_view(), name="auth-password-reset-confirm"),
    path("auth/token/", api.LoginApi.as_view(), name="auth-token"),
    path("auth/token/refresh/", api.RefreshApi.as_view(), name="auth-token-refresh"),
    path("auth/logout/", api.LogoutApi.as_view(), name="auth-logout"),
    path("me/", api.ProfileApi.as_view(), name="profile"),
]

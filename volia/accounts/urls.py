"""/accounts/: login, second factor, the user's security page, logout."""

from django.urls import path

from volia.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("2fa/verify/", views.verify, name="verify"),
    path("2fa/setup/", views.setup, name="setup"),
    path("security/", views.security, name="security"),
    path("security/recovery-codes/", views.new_recovery_codes, name="new_recovery_codes"),
]

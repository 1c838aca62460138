"""/staff/: the staff workspace (issue 6). Every view checks its permission through volia.security.policy."""

from django.urls import path  # noqa: F401

app_name = "staff"
urlpatterns: list = []

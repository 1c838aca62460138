"""/api/v1/: every route here is described in openapi.py (a test keeps the two in step)."""

from django.urls import path

from volia.api import views

app_name = "api"
urlpatterns = [
    path("openapi.json", views.openapi_document, name="openapi"),
    path("stats/held", views.held, name="stats_held"),
    path("stats/series", views.series, name="stats_series"),
    path("stats/flows", views.flows, name="stats_flows"),
    path("stats/remitted", views.remitted, name="stats_remitted"),
    path("stats/durations", views.durations, name="stats_durations"),
    path("stats/incommunicado", views.incommunicado, name="stats_incommunicado"),
    path("stats/vulnerability", views.vulnerability, name="stats_vulnerability"),
    path("stats/projection", views.projection, name="stats_projection"),
    path("search", views.search, name="search"),
]

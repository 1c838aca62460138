from django.urls import path

from volia.web import stats_views, views

app_name = "web"
urlpatterns = [
    path("people/", views.people, name="people"),  # the staff view of the list; the public one is /be/people/
    path("people/<str:key>/", views.person, name="person"),
    path("staff/stats/", stats_views.stats, name="stats"),
    path("staff/stats/people/", stats_views.stats_people, name="stats_people"),
]

"""The public site's routes, mounted under /be/, /ru/ and /en/ by `i18n_patterns` in volia/urls.py."""

from django.urls import path

from volia.web.public import views
from volia.web.public.cache import public_page
from volia.web.public.feeds import ChangesFeed

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("people/", views.people, name="people"),
    path("people/<str:key>/", views.person, name="person"),
    path("facilities/", views.facilities, name="facilities"),
    path("facilities/<slug:code>/", views.facility, name="facility"),
    path("statistics/", views.statistics, name="statistics"),
    path("letters/", views.letters, name="letters"),
    path("feed.atom", public_page(ChangesFeed()), name="feed"),
]

from django.urls import path

from volia.web import views

app_name = "web"
urlpatterns = [
    path("", views.people, name="people"),
    path("people/<str:key>/", views.person, name="person"),
]

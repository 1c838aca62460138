from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Volia staff"
admin.site.site_title = "Volia"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("volia.api.urls")),
    path("staff/", include("volia.web.staff.urls")),
    path("", include("volia.web.urls")),
]

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Volia staff"
admin.site.site_title = "Volia"

urlpatterns = [
    path("", RedirectView.as_view(url="/be/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("volia.api.urls")),
    path("staff/", include("volia.web.staff.urls")),
    path("", include("volia.web.urls")),
]
# the public site, one URL space per language: /be/ (default), /ru/, /en/
urlpatterns += i18n_patterns(path("", include("volia.web.public.urls")), prefix_default_language=True)

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from volia.accounts import views as accounts_views

admin.site.site_header = "Volia staff"
admin.site.site_title = "Volia"

urlpatterns = [
    path("", RedirectView.as_view(url="/be/", permanent=False)),
    # the admin logs in through /accounts/login/, so it needs the second factor too
    path("admin/login/", accounts_views.admin_login),
    path("admin/", admin.site.urls),
    path("accounts/", include("volia.accounts.urls")),
    path("api/v1/", include("volia.api.urls")),
    path("staff/", include("volia.web.staff.urls")),
    path("", include("volia.web.urls")),
]
handler404 = "volia.web.public.views.not_found"  # translated under /be/ /ru/ /en/

# the public site, one URL space per language: /be/ (default), /ru/, /en/
urlpatterns += i18n_patterns(path("", include("volia.web.public.urls")), prefix_default_language=True)

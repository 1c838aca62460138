import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volia.settings")
django_application = get_wsgi_application()

# cached public pages for anonymous readers are answered before Django (volia/web/public/fastpath.py)
from volia.web.public.fastpath import PublicFastPath  # noqa: E402 (needs the apps loaded above)

application = PublicFastPath(django_application)

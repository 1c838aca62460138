from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "volia.web"
    label = "web"
    verbose_name = "Web"

    def ready(self) -> None:
        from volia.web.public.cache import connect_signals

        connect_signals()  # edits invalidate the public pages' cache in every worker

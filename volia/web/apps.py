from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "volia.web"
    label = "web"
    verbose_name = "Web"

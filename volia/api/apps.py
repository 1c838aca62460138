from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "volia.api"
    label = "api"
    verbose_name = "REST API"

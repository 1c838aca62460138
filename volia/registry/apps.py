from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "volia.registry"
    label = "registry"
    verbose_name = "Registry"

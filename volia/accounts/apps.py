from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "volia.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from volia.accounts.middleware import note_login_time

        user_logged_in.connect(note_login_time, dispatch_uid="volia.accounts.note_login_time")

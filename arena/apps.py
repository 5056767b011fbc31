from django.apps import AppConfig


class ArenaConfig(AppConfig):
    """The project package as an app, so its templates, static files and commands load."""

    name = "arena"
    default_auto_field = "django.db.models.BigAutoField"

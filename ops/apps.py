from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the platform: provider health, and the signals that feed /metrics."""

    name = "ops"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ops import signals

        signals.connect()

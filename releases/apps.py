from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "releases"
    verbose_name = "Data releases"

    def ready(self) -> None:
        from releases import signals  # noqa: F401  (connects the receivers)

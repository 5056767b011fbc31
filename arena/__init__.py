"""The Arena project: settings, routing, the Celery app and the one-command launcher."""

from arena.celery import app as celery_app

__all__ = ["celery_app"]

"""Beat tasks of the ops app."""

from __future__ import annotations

from celery import shared_task

from ops.provider_health import contenders_resume


@shared_task(name="ops.contenders_resume")
def contenders_resume_task() -> int:
    """Put automatically paused contenders back once their cooldown is over."""
    return contenders_resume()

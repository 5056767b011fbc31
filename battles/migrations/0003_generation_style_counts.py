"""Store each generation's style counts, and count them for the generations already stored.

Leaderboard recomputes used to run the style regular expressions over every answer in SQL on
every run; now `generation_finish` counts once. The backfill walks finished generations in id
order, a batch at a time, so a large table is never loaded at once; rows it has not reached
(or that a later code path stores without counts) are still counted by the recompute's SQL.
"""

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from leaderboard.ranking.text_style import style_counts

BATCH = 2000


def count_existing(apps: Apps, schema_editor: BaseDatabaseSchemaEditor | None) -> None:
    Generation = apps.get_model("battles", "Generation")
    pending = Generation.objects.filter(status="done", style_counts__isnull=True).order_by("id")
    last = 0
    while batch := list(pending.filter(id__gt=last).only("id", "text")[:BATCH]):
        for generation in batch:
            generation.style_counts = style_counts(generation.text)
        Generation.objects.bulk_update(batch, ["style_counts"])
        last = batch[-1].id


class Migration(migrations.Migration):

    dependencies = [
        ("battles", "0002_media_search_music"),
    ]

    operations = [
        migrations.AddField(
            model_name="generation",
            name="style_counts",
            field=models.JSONField(
                blank=True,
                help_text="Words, headers, list items, bold spans and citations of the final text, "
                "counted once when it finished; leaderboards read these. Null: not counted.",
                null=True,
            ),
        ),
        migrations.RunPython(count_existing, migrations.RunPython.noop),
    ]

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("battles", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="ContenderPause",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("reason", models.CharField(max_length=200)),
                ("paused_at", models.DateTimeField(auto_now_add=True)),
                ("resumed_at", models.DateTimeField(blank=True, null=True)),
                ("contender", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="automatic_pauses", to="battles.contender")),
            ],
            options={
                "ordering": ["-paused_at"],
                "indexes": [models.Index(fields=["resumed_at", "paused_at"], name="ops_contend_resumed_7c1f2a_idx")],
            },
        ),
    ]

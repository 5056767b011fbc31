"""Pseudonyms are arena-stable (no per-release option), private contenders are withheld rather
than aliased, and k for demographics has a floor of 5."""

from django.db import migrations, models


def raise_k(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("releases", "ReleasePolicy").objects.filter(k_anonymity__lt=5).update(k_anonymity=5)


class Migration(migrations.Migration):
    dependencies = [("releases", "0002_published_immutable")]

    operations = [
        migrations.RemoveField(model_name="releasepolicy", name="pseudonym_scope"),
        migrations.RemoveField(model_name="releasepolicy", name="private_aliases"),
        migrations.AlterField(
            model_name="releasepolicy", name="private_contenders",
            field=models.ManyToManyField(
                blank=True, related_name="+", to="battles.contender",
                help_text="Their battles are withheld from releases (see the dataset card for why).",
            ),
        ),
        migrations.RemoveConstraint(model_name="releasepolicy", name="policy_k_positive"),
        migrations.RunPython(raise_k, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="releasepolicy", name="k_anonymity",
            field=models.PositiveIntegerField(
                default=10,
                help_text="Demographics are released only in combinations shared by ≥ k people "
                          "(at least 5, whatever is set here).",
            ),
        ),
        migrations.AddConstraint(
            model_name="releasepolicy",
            constraint=models.CheckConstraint(condition=models.Q(k_anonymity__gte=5), name="policy_k_floor"),
        ),
    ]

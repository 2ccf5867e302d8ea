from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("playground", "0005_compare"),
    ]

    operations = [
        migrations.AddField(
            model_name="playgroundsession",
            name="watched_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]

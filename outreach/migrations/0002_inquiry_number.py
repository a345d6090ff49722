"""Inquiries get the alliance's own number (1, 2, 3 … per alliance), in order of receipt.

Row-level security applies to the migrating role too, so the numbers are written once per
alliance with that alliance's scope set (as members/0003 does).
"""

from django.db import migrations, models

NUMBER = """
    UPDATE outreach_inquiry AS i SET number = n.number
      FROM (SELECT id, row_number() OVER (ORDER BY received_at, id) AS number
              FROM outreach_inquiry WHERE alliance_id = %s) AS n
     WHERE i.id = n.id
"""


def number_existing(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id FROM alliance_alliance")
        for (alliance_id,) in cursor.fetchall():
            cursor.execute("SELECT set_config('app.alliance_id', %s, true)", [str(alliance_id)])
            cursor.execute(NUMBER, [alliance_id])
        cursor.execute("SELECT set_config('app.alliance_id', '', true)")


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="inquiry",
            name="number",
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.RunPython(number_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="inquiry",
            name="number",
            field=models.PositiveIntegerField(),
        ),
        migrations.AddConstraint(
            model_name="inquiry",
            constraint=models.UniqueConstraint(fields=("alliance", "number"), name="inquiry_number_per_alliance"),
        ),
    ]

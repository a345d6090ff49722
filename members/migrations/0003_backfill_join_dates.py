"""Members created before join dates were recorded get their creation date.

Row-level security applies to the migrating role too unless it bypasses it,
so the update runs once per alliance with that alliance's scope set.
"""

from django.db import migrations

UPDATE = """
    UPDATE members_memberprogram
       SET joined_on = created_at::date,
           status_changed_on = COALESCE(status_changed_on, created_at::date)
     WHERE alliance_id = %s AND status <> 'applicant' AND joined_on IS NULL
"""


def backfill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id FROM alliance_alliance")
        for (alliance_id,) in cursor.fetchall():
            cursor.execute("SELECT set_config('app.alliance_id', %s, true)", [str(alliance_id)])
            cursor.execute(UPDATE, [alliance_id])
        cursor.execute("SELECT set_config('app.alliance_id', '', true)")


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0002_profile_sites_classrooms_staff_costs_services"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]

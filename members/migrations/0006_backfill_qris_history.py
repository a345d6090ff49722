"""Each program that holds a QRIS rating gets one history row with it (source
"backfill"): the history begins with the rating on record.

Row-level security applies to the migrating role too unless it bypasses it,
so the insert runs once per alliance with that alliance's scope set (as 0003
does). Programs that already have history are left alone, so it can run again.
"""

from django.db import migrations

BACKFILL = """
    INSERT INTO members_qrisrating (alliance_id, program_id, rating, rated_on, source, note, recorded_at)
    SELECT p.alliance_id, p.id, p.qris_rating, p.qris_rated_on, 'backfill', '', now()
      FROM members_memberprogram p
     WHERE p.alliance_id = %s AND p.qris_rating IS NOT NULL AND p.qris_rated_on IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM members_qrisrating h WHERE h.alliance_id = p.alliance_id
                                                           AND h.program_id = p.id)
"""


def backfill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id FROM alliance_alliance")
        for (alliance_id,) in cursor.fetchall():
            cursor.execute("SELECT set_config('app.alliance_id', %s, true)", [str(alliance_id)])
            cursor.execute(BACKFILL, [alliance_id])
        cursor.execute("SELECT set_config('app.alliance_id', '', true)")


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0005_qris_rating_history"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]

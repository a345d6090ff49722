from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("alliance", "0010_audit_chain"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="chain_seq",
            field=models.PositiveBigIntegerField(editable=False),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("alliance", "chain_seq"), name="auditevent_one_event_per_link"),
        ),
    ]

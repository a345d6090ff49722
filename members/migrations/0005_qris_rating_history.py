"""QRIS rating history: one row per change of a program's rating, append-only."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from alliance.db import tenant_rls

class Migration(migrations.Migration):

    dependencies = [
        ('alliance', '0005_task_failures'),
        ('members', '0004_substitute_hour_pricing'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='QrisRating',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('rating', models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)], verbose_name='QRIS rating (stars)')),
                ('rated_on', models.DateField(verbose_name='rated on')),
                ('source', models.CharField(choices=[('entered', 'Entered in the Hub'), ('backfill', 'On record when the history began')], default='entered', max_length=20)),
                ('note', models.CharField(blank=True, max_length=200)),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('alliance', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='alliance.alliance')),
                ('program', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='qris_history', to='members.memberprogram')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-recorded_at', '-id'],
                'indexes': [models.Index(fields=['alliance', 'program', 'rated_on'], name='members_qri_allianc_88c8e8_idx')],
            },
        ),
        tenant_rls("members_qrisrating"),
    ]

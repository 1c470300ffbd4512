# The school's three lists, moved here from the app `risks` (risks 0004 forgets them there):
# the models are taken over with their tables, which are then renamed to this app's names.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("hazards", "0006_device_source"),
        ("orgs", "0001_initial"),
        ("risks", "0003_school_lists"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ResponsibilityItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('text', models.CharField(max_length=500, verbose_name='管控措施')),
                        ('department', models.CharField(max_length=50, verbose_name='责任部门')),
                        ('post', models.CharField(max_length=50, verbose_name='责任岗位')),
                        ('frequency', models.CharField(choices=[('daily', '每日'), ('weekly', '每周'), ('monthly', '每月'), ('quarterly', '每季度'), ('semester', '每学期'), ('yearly', '每年')], max_length=12, verbose_name='检查频次')),
                        ('active', models.BooleanField(default=True, verbose_name='在用')),
                        ('person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='责任人')),
                    ],
                    options={
                        'verbose_name': '责任清单条目',
                        'db_table': 'risks_responsibilityitem',
                        'verbose_name_plural': '责任清单条目',
                        'ordering': ['risk_point__code', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='MeasureCheck',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(db_index=True, verbose_name='检查时间')),
                        ('passed', models.BooleanField(verbose_name='合格')),
                        ('note', models.CharField(blank=True, max_length=500, verbose_name='情况说明')),
                        ('client_key', models.CharField(blank=True, max_length=64, null=True, unique=True)),
                        ('by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='检查人')),
                        ('hazard', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='hazards.hazard', verbose_name='发现的隐患')),
                        ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='checks', to='threelists.responsibilityitem')),
                    ],
                    options={
                        'verbose_name': '措施检查记录',
                        'db_table': 'risks_measurecheck',
                        'verbose_name_plural': '措施检查记录',
                        'ordering': ['-at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='SchoolRiskPoint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(max_length=32, verbose_name='编码')),
                        ('place', models.CharField(max_length=100, verbose_name='场所/部位')),
                        ('name', models.CharField(max_length=200, verbose_name='风险点')),
                        ('hazard', models.CharField(max_length=500, verbose_name='潜在风险隐患')),
                        ('accident', models.CharField(max_length=200, verbose_name='易发安全事故')),
                        ('likelihood', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='可能性')),
                        ('severity', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='严重程度')),
                        ('level', models.CharField(choices=[('major', '重大'), ('significant', '较大'), ('general', '一般'), ('low', '低')], max_length=12, verbose_name='风险等级')),
                        ('assessed_at', models.DateTimeField(blank=True, null=True, verbose_name='评估时间')),
                        ('active', models.BooleanField(default=True, verbose_name='在用')),
                        ('aspect', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='risks.aspect', verbose_name='方面')),
                        ('catalog_point', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='risks.catalogriskpoint', verbose_name='清单库风险点')),
                        ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='risk_points', to='orgs.school', verbose_name='学校')),
                    ],
                    options={
                        'verbose_name': '学校风险点',
                        'db_table': 'risks_schoolriskpoint',
                        'verbose_name_plural': '学校风险点',
                        'ordering': ['school', 'code'],
                    },
                ),
                migrations.AddField(
                    model_name='responsibilityitem',
                    name='risk_point',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='threelists.schoolriskpoint'),
                ),
                migrations.AddConstraint(
                    model_name='schoolriskpoint',
                    constraint=models.UniqueConstraint(fields=('school', 'code'), name='schoolriskpoint_code_unique'),
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="schoolriskpoint", table=None),
        migrations.AlterModelTable(name="responsibilityitem", table=None),
        migrations.AlterModelTable(name="measurecheck", table=None),
    ]

from django.db import migrations, models


def fill_dates(apps, schema_editor):
    Appointment = apps.get_model("gs_window", "Appointment")
    Slot = apps.get_model("gs_window", "Slot")
    for slot_id, day in Slot.objects.filter(appointments__isnull=False).values_list("pk", "date").distinct():
        Appointment.objects.filter(slot_id=slot_id).update(date=day)


class Migration(migrations.Migration):
    dependencies = [("gs_window", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="appointment", name="date",
            field=models.DateField(editable=False, null=True, verbose_name="预约日期",
                                   help_text="时段的日期（冗余保存，用于同人同日同事项唯一约束）"),
        ),
        migrations.RunPython(fill_dates, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="appointment", name="date",
            field=models.DateField(editable=False, verbose_name="预约日期",
                                   help_text="时段的日期（冗余保存，用于同人同日同事项唯一约束）"),
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.UniqueConstraint(condition=models.Q(("status", "booked")),
                                               fields=("matter", "id_number", "date"),
                                               name="gs_appt_one_per_person_day"),
        ),
    ]

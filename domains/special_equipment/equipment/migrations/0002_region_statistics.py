from django.db import migrations

from kernel.core.dbops import set_statistics


class Migration(migrations.Migration):
    dependencies = [("se_equipment", "0001_initial")]

    operations = [set_statistics("se_equipment.Equipment", "region"),
                  set_statistics("se_equipment.InspectionReport", "region")]

from django.db import migrations

from kernel.core.dbops import set_statistics


class Migration(migrations.Migration):
    dependencies = [("se_hazards", "0001_initial")]

    operations = [set_statistics("se_hazards.MajorHazard", "region"), set_statistics("se_hazards.Complaint", "region")]

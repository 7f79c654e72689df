from django.db import migrations

from kernel.core.dbops import set_statistics


class Migration(migrations.Migration):
    dependencies = [("org", "0003_lean_indexes")]

    operations = [set_statistics("org.Organisation", "region")]

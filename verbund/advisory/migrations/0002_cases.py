# Slot for changes of the cases area while the part is built (filled by hand; squashed later).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("advisory", "0001_initial")]

    operations: list = []

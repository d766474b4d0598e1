# Slot for changes of the programme area while the part is built (filled by hand; squashed later).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("advisory", "0005_events")]

    operations: list = []

# Slot for changes of the documents area while the part is built (filled by hand; squashed later).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("advisory", "0003_practice")]

    operations: list = []

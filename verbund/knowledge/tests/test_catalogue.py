"""Importing a service catalogue: checked first, stored all or nothing, ids kept, re-import updates."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from verbund.accounts.models import Role, RoleAssignment
from verbund.accounts.tests.factories import UserFactory
from verbund.audit.models import AuditEntry
from verbund.common.actors import SystemActor
from verbund.common.errors import Forbidden, ImportFileError
from verbund.knowledge.models import Catalogue, Service
from verbund.knowledge.policies import MANAGE
from verbund.knowledge.services.catalogue import import_services, parse_lines, read_file

pytestmark = pytest.mark.django_db

ACTOR = SystemActor(name="Test", capabilities=frozenset({MANAGE}))
SAMPLE = Path(__file__).resolve().parents[1] / "sample_services_de.jsonl"


def line(**values: Any) -> str:
    base: dict[str, Any] = {"id": "1063441", "name": "Personalausweis", "leika": "99008001000000"}
    base.update(values)
    return json.dumps(base, ensure_ascii=False)


def test_the_catalogues_own_id_stays_the_services_id() -> None:
    records = parse_lines(
        [line(keywords=["Perso", "Ausweis"]), line(id="1063453", name="Reisepass", leika="")]
    )
    result = import_services(actor=ACTOR, records=records, name="Beispiel")

    assert (result.created, result.updated) == (2, 0)
    service = Service.objects.get(external_id="1063441")
    assert service.leika == ["99008001000000"]
    assert service.keywords == ["Perso", "Ausweis"]
    assert Service.objects.get(external_id="1063453").leika == []
    assert AuditEntry.objects.filter(action="knowledge.catalogue_import").count() == 1


def test_several_leika_keys_in_one_field_are_split() -> None:
    records = parse_lines([line(leika="99036008007003, 99036008007004")])
    assert records[0].leika == ["99036008007003", "99036008007004"]


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ("{not json", "Zeile 2"),
        (json.dumps(["a list"]), "Zeile 2"),
        (json.dumps({"name": "ohne Kennung"}), "Feld id"),
        (line(id="2", name=""), "Feld name"),
        (line(id="3", leika="12345"), "Feld leika"),
        (line(id="4", keywords="Perso"), "Feld keywords"),
        (line(id="5", url="javascript:alert(1)"), "Feld url"),
        (line(name="Doppelt"), "Feld id"),
    ],
)
def test_a_bad_line_is_named_and_nothing_is_stored(bad: str, named: str) -> None:
    lines = [line(), bad]
    with pytest.raises(ImportFileError) as caught:
        import_services(actor=ACTOR, records=parse_lines(lines, path="katalog.jsonl"), name="Beispiel")
    assert "katalog.jsonl" in str(caught.value)
    assert named in str(caught.value)
    assert not Service.objects.exists()
    assert not Catalogue.objects.exists()


def test_reimport_updates_adds_and_deactivates_but_keeps_synonyms() -> None:
    import_services(
        actor=ACTOR,
        records=parse_lines([line(), line(id="1063453", name="Reisepass")]),
        name="Beispiel",
        slug="beispiel",
    )
    Service.objects.filter(external_id="1063441").update(synonyms=["Perso"])
    result = import_services(
        actor=ACTOR,
        records=parse_lines(
            [line(name="Personalausweis beantragen"), line(id="1063475", name="Wohnsitzanmeldung")]
        ),
        name="Beispiel",
        slug="beispiel",
    )

    assert (result.created, result.updated, result.unchanged, result.deactivated) == (1, 1, 0, 1)
    kept = Service.objects.get(external_id="1063441")
    assert kept.name == "Personalausweis beantragen" and kept.synonyms == ["Perso"]
    assert Service.objects.get(external_id="1063453").active is False


def test_an_id_of_another_catalogue_is_refused() -> None:
    import_services(actor=ACTOR, records=parse_lines([line()]), name="Erster", slug="erster")
    with pytest.raises(ImportFileError, match="Erster"):
        import_services(actor=ACTOR, records=parse_lines([line()]), name="Zweiter", slug="zweiter")
    assert Catalogue.objects.filter(slug="zweiter").count() == 0


def test_only_the_advisory_office_and_the_operator_import() -> None:
    clerk = UserFactory.create()
    with pytest.raises(Forbidden):
        import_services(actor=clerk, records=parse_lines([line()]), name="Beispiel")
    office = UserFactory.create()
    RoleAssignment.objects.create(user=office, role=Role.BERATUNGSSTELLE, body=None)
    result = import_services(actor=office, records=parse_lines([line()]), name="Beispiel")
    assert result.catalogue.imported_by_id == office.pk


def test_the_builtin_sample_is_a_valid_catalogue_of_real_services() -> None:
    records = read_file(SAMPLE)
    names = {r.name for r in records}
    assert {"Personalausweis", "Reisepass", "Wohnsitzanmeldung"} <= names
    assert all(r.external_id.isdigit() for r in records)


def test_command_reads_a_file_and_names_a_bad_line(tmp_path: Path) -> None:
    good = tmp_path / "katalog.jsonl"
    good.write_text(line() + "\n" + line(id="1063453", name="Reisepass") + "\n", encoding="utf-8")
    out = StringIO()
    call_command("import_services", str(good), "--name", "Test", stdout=out)
    assert "2 neu" in out.getvalue()

    bad = tmp_path / "kaputt.jsonl"
    bad.write_text(line(id="9") + "\n" + line(id="10", leika="99") + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"kaputt\.jsonl, Zeile 2, Feld leika"):
        call_command("import_services", str(bad), "--name", "Kaputt")
    assert not Service.objects.filter(external_id="9").exists()

"""The GV100AD import service and ``manage.py import_registry`` against the database.

Covers: counts and parent chains after importing Rhineland-Palatinate; idempotence (a second run
writes nothing: no rows, no ``updated_at`` change, no audit entry); atomicity (a malformed file, or
a failure after rows were written, leaves the registry unchanged); territorial changes between two
issues (new, renamed, moved, dissolved, merged with successors, an ARS reused) including the real
Niedergeckler/Obergeckler merger of 2022→2025; all of Germany; the command's report and errors.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Max

from conftest import shared_data_file
from verbund.audit.models import AuditEntry
from verbund.common.actors import SystemActor
from verbund.common.data import GV100AD_LATEST, GV100AD_PREVIOUS
from verbund.common.errors import DomainError, Forbidden, ImportFileError
from verbund.registry import gv100ad, importer
from verbund.registry.importer import registry_import_gv100ad
from verbund.registry.models import Body, Kind, RegistryImport, TerritorialChange
from verbund.registry.policies import IMPORT

from .conftest import gv100ad_line
from .factories import IMPORTER

Writer = Callable[..., Path]


def registry_state() -> dict[str, Any]:
    """Everything an import may write, to compare before and after."""
    return {
        "bodies": list(Body.objects.order_by("key").values_list()),
        "updated_at": Body.objects.aggregate(Max("updated_at"))["updated_at__max"],
        "successors": Body.successors.through.objects.count(),
        "imports": RegistryImport.objects.count(),
        "changes": TerritorialChange.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_parser_kinds_are_model_kinds() -> None:
    kinds = set(gv100ad.KIND_LEVEL)
    assert kinds <= set(Kind.values)
    assert set(Kind.values) <= kinds  # every kind of the model can come from the file


# --- Rhineland-Palatinate 2025, imported once for the class ----------------------------------------


@pytest.mark.django_db
class TestRlp2025:
    def test_counts_in_the_database(self, rlp_2025: importer.ImportResult) -> None:
        current = Body.objects.current().in_state("07")
        assert current.of_kind(Kind.ORTSGEMEINDE).count() == 2259
        assert current.of_kind(Kind.ORTSGEMEINDE).filter(is_stadt=True).count() == 97
        assert current.of_kind(Kind.VERBANDSFREIE_GEMEINDE).count() == 29
        assert current.of_kind(Kind.KREISFREIE_STADT).count() == 12
        assert current.gemeinden().count() == 2300
        assert current.of_kind(Kind.VERBANDSGEMEINDE).count() == 129
        assert current.of_kind(Kind.LANDKREIS).count() == 24
        land = Body.objects.get(key="07")
        assert (land.name, land.population, land.area_km2) == (
            "Rheinland-Pfalz",
            4_129_569,
            Decimal("19857.87"),
        )
        assert land.population_date == dt.date(2024, 12, 31)  # the issue of 30.11. carries last year end
        assert Body.objects.count() == rlp_2025.created == rlp_2025.bodies
        assert not Body.objects.exclude(state="07").exists()

    def test_parent_chains(self, rlp_2025: importer.ImportResult) -> None:
        partenheim = Body.objects.get(ags="07331056")
        assert [(b.name, b.kind) for b in [partenheim, *partenheim.ancestors()]] == [
            ("Partenheim", Kind.ORTSGEMEINDE),
            ("Wörrstadt", Kind.VERBANDSGEMEINDE),
            ("Alzey-Worms", Kind.LANDKREIS),
            ("Rheinland-Pfalz", Kind.LAND),
        ]
        mainz = Body.objects.get(key="07315000")
        assert (mainz.kind, mainz.ars, mainz.parent.key) == (Kind.KREISFREIE_STADT, "073150000000", "07")  # type: ignore[union-attr]
        andernach = Body.objects.get(key="07137003")
        assert andernach.kind == Kind.VERBANDSFREIE_GEMEINDE
        assert andernach.association_key == "071370003"
        assert andernach.parent.name == "Mayen-Koblenz"  # type: ignore[union-attr]
        # Regierungsbezirke exist, but no Kreis hangs below them (they are no Gebietskörperschaften).
        assert Body.objects.filter(kind=Kind.REGIERUNGSBEZIRK).count() == 3
        assert not Body.objects.filter(parent__kind=Kind.REGIERUNGSBEZIRK).exists()

    def test_run_is_recorded_and_audited(self, rlp_2025: importer.ImportResult) -> None:
        run = rlp_2025.registry_import
        assert run is not None
        run = RegistryImport.objects.get(pk=run.pk)
        assert (run.source, run.state, run.gebietsstand) == ("gv100ad", "07", dt.date(2025, 11, 30))
        assert len(run.sha256) == 64 and run.file_name == "GV100AD_30112025.txt"
        assert run.counts["created"] == Body.objects.count()
        entry = AuditEntry.objects.get(action="registry.import")
        assert (entry.actor, entry.actor_label, entry.is_system) == (None, "Registerimport (Test)", True)
        assert (entry.object_type, entry.object_id) == ("registry.registryimport", str(run.pk))
        assert entry.changes["created"] == run.counts["created"]
        # A first import of a Land is the initial load, not a list of territorial changes.
        assert not TerritorialChange.objects.exists()

    def test_second_run_changes_nothing(self, rlp_2025: importer.ImportResult) -> None:
        before = registry_state()
        again = registry_import_gv100ad(actor=IMPORTER, path=shared_data_file(GV100AD_LATEST), state="07")
        assert registry_state() == before
        assert not again.changed and again.registry_import is None
        assert (again.created, again.updated, again.dissolved, again.unchanged) == (0, 0, 0, rlp_2025.bodies)
        assert "Unverändert" in again.summary()

    def test_malformed_file_changes_nothing(
        self, rlp_2025: importer.ImportResult, write_gv100ad: Writer
    ) -> None:
        lines = shared_data_file(GV100AD_LATEST).read_text(encoding="utf-8").splitlines()
        rlp_lines = [line for line in lines if line[10:12] == "07"]
        bad = rlp_lines[-1][:2] + "2025A130" + rlp_lines[-1][10:]
        path = write_gv100ad([*rlp_lines[:-1], bad], name="GV100AD_x.txt")
        before = registry_state()
        with pytest.raises(
            ImportFileError, match=rf"GV100AD_x.txt, Zeile {len(rlp_lines)}, Feld Gebietsstand"
        ):
            registry_import_gv100ad(actor=IMPORTER, path=path, state="07")
        assert registry_state() == before

    def test_older_issue_is_refused(self, rlp_2025: importer.ImportResult) -> None:
        before = registry_state()
        with pytest.raises(DomainError, match="älterer Stand") as caught:
            registry_import_gv100ad(actor=IMPORTER, path=shared_data_file(GV100AD_PREVIOUS), state="07")
        assert caught.value.code == "older_issue"
        assert registry_state() == before

    def test_command_second_run_reports_unchanged(self, rlp_2025: importer.ImportResult) -> None:
        out = StringIO()
        path = str(shared_data_file(GV100AD_LATEST))
        call_command("import_registry", "--gv100ad", path, "--state", "07", stdout=out, stderr=StringIO())
        assert "Gebietsstand 30.11.2025, Land 07" in out.getvalue()
        assert "Unverändert" in out.getvalue()


# --- two issues: territorial changes -------------------------------------------------------------


def _issue(stand: str, *, later: bool) -> list[str]:
    """A small Land in two issues. Between them: Osthausen and Westhausen merge into a new
    Gemeinde, Südheim moves from VG Nord to VG Süd, Nordheim is renamed, and the kreisfreie Stadt
    07398000 is merged into a new Landkreis 07398, which takes over its ARS 073980000000."""

    def line(record_type: str, **fields: Any) -> str:
        return gv100ad_line(record_type, stand=stand, **fields)

    def gemeinde(
        kreis: str, number: str, verband: str, name: str, area: int, population: int, tk: str = "64"
    ) -> str:
        rb = "1" if kreis == "99" else "3"
        return line(
            "60", rb=rb, kreis=kreis, gemeinde=number, verband=verband, name=name, tk=tk,
            area=area, population=population, male=population // 2,
        )  # fmt: skip

    lines = [
        line("10", name="Rheinland-Pfalz", seat="Mainz"),
        line("40", rb="1", kreis="99", name="Testkreis", seat="Nordheim", tk="44"),
        line("50", rb="1", kreis="99", verband="5001", name="Nord", seat="Nordheim", tk="53"),
        gemeinde("99", "001", "5001", "Nordheim (Eifel)" if later else "Nordheim", 500, 1000),
        line("50", rb="1", kreis="99", verband="5002", name="Süd", seat="Osthausen", tk="53"),
        gemeinde("99", "002", "5002" if later else "5001", "Südheim, Stadt", 300, 2000, tk="63"),
    ]
    if later:
        lines += [
            gemeinde("99", "009", "5002", "Osthausen-Westhausen", 601, 1100),
            line("40", rb="3", kreis="98", name="Landkreis Kreisstadt", seat="Kreisstadt", tk="44"),
            line("50", rb="3", kreis="98", verband="0001", name="Kreisstadt, Stadt", tk="50"),
            gemeinde("98", "001", "0001", "Kreisstadt, Stadt", 2000, 30000, tk="63"),
        ]
    else:
        lines += [
            gemeinde("99", "003", "5002", "Osthausen", 400, 800),
            gemeinde("99", "004", "5002", "Westhausen", 200, 300),
            line("40", rb="3", kreis="98", name="Kreisstadt", seat="Kreisstadt", tk="41"),
            line("50", rb="3", kreis="98", verband="0000", name="Kreisstadt, Stadt", tk="50"),
            gemeinde("98", "000", "0000", "Kreisstadt, Stadt", 2000, 30000, tk="61"),
        ]
    return lines


@pytest.fixture
def two_issues(write_gv100ad: Writer) -> tuple[Path, Path]:
    return (
        write_gv100ad(_issue("20241231", later=False), name="GV100AD_31122024.txt"),
        write_gv100ad(_issue("20251130", later=True), name="GV100AD_30112025.txt"),
    )


@pytest.mark.django_db
def test_newer_issue_reports_territorial_changes(two_issues: tuple[Path, Path]) -> None:
    first, second = two_issues
    registry_import_gv100ad(actor=IMPORTER, path=first)
    kreisstadt_pk = Body.objects.get(key="07398000").pk
    result = registry_import_gv100ad(actor=IMPORTER, path=second)

    assert (result.created, result.dissolved) == (3, 3)
    changes = {(c.kind, c.body.key): c for c in TerritorialChange.objects.select_related("body")}
    assert set(changes) == {
        ("merged", "07199009"),
        ("merged", "07398001"),
        ("new", "07199009"),
        ("new", "07398"),
        ("new", "07398001"),
        ("dissolved", "07199003"),
        ("dissolved", "07199004"),
        ("dissolved", "07398000"),
        ("renamed", "07199001"),
        ("moved", "07199002"),
    }
    merged = changes[("merged", "07199009")]
    assert [p["key"] for p in merged.details["predecessors"]] == ["07199003", "07199004"]
    assert merged.details["how"] == "neubildung" and merged.effective == dt.date(2025, 11, 30)
    assert changes[("renamed", "07199001")].details == {"old": "Nordheim", "new": "Nordheim (Eifel)"}
    moved = changes[("moved", "07199002")].details
    assert moved == {
        "old": {"ars": "071995001002", "parent": "071995001"},
        "new": {"ars": "071995002002", "parent": "071995002"},
    }

    # Dissolved bodies are kept, with their successors; the current ones are not dissolved.
    osthausen = Body.objects.get(key="07199003")
    assert osthausen.dissolved_on == dt.date(2025, 11, 30) and osthausen.gebietsstand == dt.date(2024, 12, 31)
    assert [b.key for b in osthausen.successors.all()] == ["07199009"]
    assert Body.objects.current().count() == Body.objects.count() - 3

    # The new Landkreis took the ARS of the dissolved kreisfreie Stadt, which keeps a placeholder.
    assert Body.objects.get(key="07398").ars == "073980000000"
    old_city = Body.objects.get(pk=kreisstadt_pk)
    assert old_city.ars == f"00{old_city.pk:010d}" and not old_city.is_current
    dissolved_city = changes[("dissolved", "07398000")].details
    assert dissolved_city == {"ars": "073980000000", "successors": ["07398001"], "ars_reused": True}
    assert Body.objects.get(key="07199002").ars == "071995002002"

    run = RegistryImport.objects.latest("id")
    assert run.counts["changes"] == {"dissolved": 3, "merged": 2, "moved": 1, "new": 3, "renamed": 1}
    text = result.summary()
    assert (
        "zusammengeschlossen: Osthausen (07199003), Westhausen (07199004) → Osthausen-Westhausen (07199009)"
        in text
    )
    assert "umgegliedert: Südheim, Stadt (07199002) von Nord (071995001) zu Süd (071995002)" in text

    # And the newer issue once more: nothing.
    before = registry_state()
    assert not registry_import_gv100ad(actor=IMPORTER, path=second).changed
    assert registry_state() == before


@pytest.mark.django_db
def test_failure_after_rows_were_written_rolls_everything_back(
    two_issues: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = two_issues
    registry_import_gv100ad(actor=IMPORTER, path=first)
    before = registry_state()

    def fail(**kwargs: Any) -> None:
        assert Body.objects.filter(key="07199009").exists()  # rows are written by now
        raise RuntimeError("Datenbank weg")

    monkeypatch.setattr(importer, "audit_record", fail)
    with pytest.raises(RuntimeError):
        registry_import_gv100ad(actor=IMPORTER, path=second)
    assert registry_state() == before


@pytest.mark.django_db
def test_operator_actor_population_date_and_progress(two_issues: tuple[Path, Path]) -> None:
    # A superuser counts as Plattformbetrieb, who may start an import.
    user = get_user_model().objects.create_superuser(username="betrieb", password="x" * 12)
    steps: list[tuple[int, int]] = []
    result = registry_import_gv100ad(
        path=two_issues[0],
        actor=user,
        population_date=dt.date(2024, 6, 30),
        progress=lambda step, total: steps.append((step, total)),
    )
    assert result.registry_import is not None and result.registry_import.imported_by == user
    assert AuditEntry.objects.get(action="registry.import").actor == user
    assert set(Body.objects.exclude(population=None).values_list("population_date", flat=True)) == {
        dt.date(2024, 6, 30)
    }
    assert steps and steps[-1] == (result.bodies, result.bodies)
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(steps))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "actor",
    [
        SystemActor(name="Demodaten", capabilities=frozenset({"alliances.manage"})),
        SystemActor(name="Ohne Fähigkeiten"),
    ],
)
def test_system_actor_without_the_import_capability_is_refused(
    two_issues: tuple[Path, Path], actor: SystemActor
) -> None:
    before = registry_state()
    with pytest.raises(Forbidden) as caught:
        registry_import_gv100ad(path=two_issues[0], actor=actor)
    assert caught.value.status == 403
    assert registry_state() == before


@pytest.mark.django_db
def test_person_without_plattformbetrieb_is_refused(two_issues: tuple[Path, Path]) -> None:
    user = get_user_model().objects.create_user(username="sachbearbeitung", password="x" * 12)
    before = registry_state()
    with pytest.raises(Forbidden):
        registry_import_gv100ad(path=two_issues[0], actor=user)
    assert registry_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["load_demo", "import_registry", None])
def test_a_string_or_no_actor_is_a_type_error(two_issues: tuple[Path, Path], actor: Any) -> None:
    with pytest.raises(TypeError):
        registry_import_gv100ad(path=two_issues[0], actor=actor)
    assert not Body.objects.exists()


def test_actor_is_a_required_keyword() -> None:
    with pytest.raises(TypeError):
        registry_import_gv100ad(path="egal.txt")  # type: ignore[call-arg]


@pytest.mark.django_db
def test_invalid_state_is_refused(two_issues: tuple[Path, Path]) -> None:
    with pytest.raises(DomainError, match="zweistelliger Land-Schlüssel"):
        registry_import_gv100ad(actor=IMPORTER, path=two_issues[0], state="7")
    with pytest.raises(ImportFileError, match="kein Land mit dem Schlüssel '05'"):
        registry_import_gv100ad(actor=IMPORTER, path=two_issues[0], state="05")
    assert not Body.objects.exists()


# --- the real issues ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_rlp_2022_then_2025_reports_the_geckler_merger() -> None:
    registry_import_gv100ad(actor=IMPORTER, path=shared_data_file(GV100AD_PREVIOUS), state="07")
    result = registry_import_gv100ad(actor=IMPORTER, path=shared_data_file(GV100AD_LATEST), state="07")

    new = Body.objects.get(key="07232503")
    assert (new.name, new.kind, new.parent.name) == ("Obergeckler", Kind.ORTSGEMEINDE, "Südeifel")  # type: ignore[union-attr]
    for key, name in (("07232089", "Niedergeckler"), ("07232096", "Obergeckler")):
        old = Body.objects.get(key=key)
        assert old.name == name and old.dissolved_on == dt.date(2025, 11, 30)
        assert list(old.successors.all()) == [new]
    merger = TerritorialChange.objects.get(kind="merged")
    assert merger.body == new
    assert sorted(p["key"] for p in merger.details["predecessors"]) == ["07232089", "07232096"]
    assert set(TerritorialChange.objects.filter(kind="dissolved").values_list("body__key", flat=True)) == {
        "07232089",
        "07232096",
    }
    assert result.dissolved == 2 and result.created == 1
    assert (
        "zusammengeschlossen: Niedergeckler (07232089), Obergeckler (07232096) → Obergeckler (07232503)"
        in result.summary()
    )
    assert Body.objects.current().gemeinden().filter(state="07").count() == 2300


@pytest.mark.django_db
def test_germany_imports_and_a_state_import_leaves_other_states_alone() -> None:
    lines = shared_data_file(GV100AD_LATEST).read_text(encoding="utf-8").splitlines()
    result = registry_import_gv100ad(actor=IMPORTER, path=shared_data_file(GV100AD_LATEST))
    assert Body.objects.count() == result.created == result.bodies
    assert Body.objects.filter(kind=Kind.LAND).count() == 16
    gemeinde_records = sum(1 for line in lines if line.startswith("60"))
    assert Body.objects.gemeinden().count() + Body.objects.of_kind(Kind.GEMEINDEFREIES_GEBIET).count() == (
        gemeinde_records - 2  # Berlin and Hamburg are the Land
    )
    berlin = next(line for line in lines if line.startswith("60") and line[10:18] == "11000000")
    assert Body.objects.get(key="11").population == int(berlin[139:150])
    assert Body.objects.current().in_state("07").gemeinden().count() == 2300
    total = sum(int(line[139:150]) for line in lines if line.startswith("60"))
    assert (
        sum(p or 0 for p in Body.objects.filter(kind=Kind.LAND).values_list("population", flat=True)) == total
    )

    again = registry_import_gv100ad(actor=IMPORTER, path=shared_data_file(GV100AD_LATEST), state="07")
    assert not again.changed


@pytest.mark.django_db
def test_germany_2022_then_2025_handles_every_change() -> None:
    registry_import_gv100ad(actor=IMPORTER, path=shared_data_file(GV100AD_PREVIOUS))
    result = registry_import_gv100ad(actor=IMPORTER, path=shared_data_file(GV100AD_LATEST))
    assert Body.objects.current().count() == result.bodies
    assert result.dissolved == Body.objects.exclude(dissolved_on=None).count() > 2
    eidertal = Body.objects.get(key="010585896")  # Ämter Flintbek and Molfsee merged
    assert sorted(p.key for p in eidertal.predecessors.all()) == ["010585830", "010585859"]
    flintbek_members = Body.objects.filter(parent=eidertal)
    assert flintbek_members.exists()
    assert TerritorialChange.objects.filter(kind="moved", body__in=flintbek_members).exists()
    assert len(result.summary().splitlines()) <= importer.REPORT_LINES + 4
    assert "… und" in result.summary()


# --- the command --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_imports_and_reports(two_issues: tuple[Path, Path]) -> None:
    out, err = StringIO(), StringIO()
    call_command("import_registry", "--gv100ad", str(two_issues[0]), stdout=out, stderr=err)
    assert "neu angelegt" in out.getvalue()
    assert Body.objects.filter(key="07199").exists()
    entry = AuditEntry.objects.get(action="registry.import")
    assert (entry.actor, entry.actor_label) == (None, "Registerimport (Kommandozeile)")
    call_command("import_registry", "--gv100ad", str(two_issues[1]), "--quiet", stdout=out, stderr=StringIO())
    assert "Gebietsänderungen (10):" in out.getvalue()


@pytest.mark.django_db
def test_command_error_for_malformed_file(write_gv100ad: Writer) -> None:
    path = write_gv100ad([gv100ad_line("10", name="Rheinland-Pfalz"), "60kaputt"], name="GV100AD_x.txt")
    with pytest.raises(CommandError, match=r"GV100AD_x.txt, Zeile 2, Feld Satzlänge"):
        call_command("import_registry", "--gv100ad", str(path), "--quiet", stdout=StringIO())
    assert not Body.objects.exists()


def test_command_needs_a_file() -> None:
    with pytest.raises(CommandError, match="--gv100ad"):
        call_command("import_registry", stdout=StringIO())
    with pytest.raises(CommandError, match="JJJJ-MM-TT"):
        call_command(
            "import_registry", "--gv100ad", "x", "--population-date", "31.12.2024", stdout=StringIO()
        )


@pytest.mark.django_db
def test_command_boundaries_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from verbund.registry import import_run

    calls: list[dict[str, Any]] = []

    class Outcome:
        def summary(self) -> str:
            return "2 Grenzen"

    def fake(**kwargs: Any) -> Outcome:
        calls.append(kwargs)
        kwargs["progress"](1, 1)
        return Outcome()

    monkeypatch.setattr(import_run, "load_boundaries", lambda path: f"gelesen:{path.name}")
    monkeypatch.setattr(import_run, "registry_import_boundaries", fake)
    out = StringIO()
    a, b = str(tmp_path / "a.geojson"), str(tmp_path / "b.geojson")
    call_command("import_registry", "--boundaries", a, "--boundaries", b, stdout=out, stderr=StringIO())
    assert [c["path"].name for c in calls] == ["a.geojson", "b.geojson"]
    assert [c["collection"] for c in calls] == ["gelesen:a.geojson", "gelesen:b.geojson"]
    assert {c["actor"].name for c in calls} == {"Registerimport (Kommandozeile)"}
    assert all(c["actor"].capable(IMPORT) for c in calls)
    assert out.getvalue().count("2 Grenzen") == 2


# --- which bodies an import changed, in the audit ------------------------------------------------


@pytest.mark.django_db
def test_the_audit_names_the_bodies_an_import_changed_and_their_fields(two_issues: tuple[Path, Path]) -> None:
    from verbund.audit.presenters import change_lines

    first, second = two_issues
    registry_import_gv100ad(actor=IMPORTER, path=first)
    registry_import_gv100ad(actor=IMPORTER, path=second)
    entry = AuditEntry.objects.filter(action="registry.import").latest("id")
    changes = entry.changes
    created = changes["created_bodies"]
    assert created["count"] == 3 and created["not_listed"] == 0
    assert "Osthausen-Westhausen (07199009)" in created["bodies"]
    dissolved = changes["dissolved_bodies"]
    assert set(dissolved["bodies"]) >= {"Osthausen (07199003)", "Westhausen (07199004)"}
    groups = changes["updated_bodies"]["groups"]
    fields_of = {body: group["changed_fields"] for group in groups for body in group["bodies"]}
    assert "name" in fields_of["Nordheim (Eifel) (07199001)"]
    assert {"ars", "parent_id"} <= set(fields_of["Südheim, Stadt (07199002)"])
    assert all("gebietsstand" not in fields for fields in fields_of.values())

    # The audit page shows it in German, field codes as their labels.
    text = " ".join(line.new for line in change_lines(entry.object_type, changes))
    assert "Osthausen-Westhausen (07199009)" in text
    assert "Regionalschlüssel (ARS)" in text and "Übergeordnet" in text


@pytest.mark.django_db(transaction=False)
def test_the_audit_of_a_full_import_stays_bounded() -> None:
    import json

    from verbund.registry.import_report import AUDIT_BODIES_LISTED

    registry_import_gv100ad(actor=IMPORTER, path=shared_data_file(GV100AD_LATEST), state="07")
    changes = AuditEntry.objects.get(action="registry.import").changes
    created = changes["created_bodies"]
    assert created["count"] > 2_400
    assert len(created["bodies"]) == AUDIT_BODIES_LISTED
    assert created["not_listed"] == created["count"] - AUDIT_BODIES_LISTED
    assert len(json.dumps(changes, ensure_ascii=False)) < 20_000


@pytest.mark.django_db
def test_a_larger_excerpt_of_the_same_issue_adds_bodies_without_territorial_changes(
    write_gv100ad: Writer,
) -> None:
    """The built-in sample grew by two Kreise's Gemeinden: an upgrade imports the new bodies as what
    they are (the same issue, more of it), not as territorial changes."""
    sample = (Path(__file__).resolve().parents[1] / "sample" / "gv100ad_rlp_sample.txt").read_text("utf-8")
    lines = sample.splitlines()
    older_excerpt = [line for line in lines if not (line[:2] in ("50", "60") and line[10:15] == "07337")]
    registry_import_gv100ad(actor=IMPORTER, path=write_gv100ad(older_excerpt, name="alt.txt"), state="07")
    result = registry_import_gv100ad(actor=IMPORTER, path=write_gv100ad(lines, name="neu.txt"), state="07")
    assert result.created > 50 and result.dissolved == 0
    assert Body.objects.filter(key="073375004").exists()  # VG Herxheim
    assert not result.changes and not TerritorialChange.objects.exists()

"""One import run is atomic across all its files: ``import_registry --gv100ad … --boundaries …``, the
operator's import job and ``registry_import_run`` leave the registry unchanged — the directory
included — when a boundary file fails, whether it fails while it is read (invalid geometry) or while
it is written (it matches no body of the directory just read)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from verbund.accounts.tests.factories import UserFactory
from verbund.audit.models import AuditEntry
from verbund.common.errors import ImportFileError
from verbund.registry.import_run import registry_import_run
from verbund.registry.models import Body, BodyBoundary, BodyNeighbour, RegistryImport, RegistryImportJob
from verbund.registry.sources import SAMPLE_GV100AD

from .factories import IMPORTER

pytestmark = pytest.mark.django_db

#: Two squares of about 1 km near Kaiserslautern (WGS84).
SQUARE_A = [[7.70, 49.40], [7.71, 49.40], [7.71, 49.41], [7.70, 49.41], [7.70, 49.40]]
SQUARE_B = [[7.71, 49.40], [7.72, 49.40], [7.72, 49.41], [7.71, 49.41], [7.71, 49.40]]
BOW_TIE = [[7.70, 49.40], [7.71, 49.41], [7.71, 49.40], [7.70, 49.41], [7.70, 49.40]]


def _layer(tmp_path: Path, name: str, features: list[tuple[dict[str, Any], list[list[float]]]]) -> Path:
    path = tmp_path / name
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": props,
                        "geometry": {"type": "Polygon", "coordinates": [ring]},
                    }
                    for props, ring in features
                ],
            }
        ),
        encoding="utf-8",
    )
    return path


def _nothing_stored() -> None:
    assert not Body.objects.exists()
    assert not BodyBoundary.objects.exists() and not BodyNeighbour.objects.exists()
    assert not RegistryImport.objects.exists()
    assert (
        not AuditEntry.objects.filter(action__startswith="registry.import")
        .exclude(action="registry.import_start")
        .exists()
    )


@pytest.fixture
def good_layer(tmp_path: Path) -> Path:
    """Two Kreise of the sample (Kaiserslautern Stadt and Landkreis), as two squares."""
    return _layer(
        tmp_path, "kreise.geojson", [({"kreis_ags": "07312"}, SQUARE_A), ({"kreis_ags": "07335"}, SQUARE_B)]
    )


@pytest.fixture
def unmatched_layer(tmp_path: Path) -> Path:
    """Valid, but no feature names a body: fails only while written, after the directory was."""
    return _layer(tmp_path, "fremd.geojson", [({"kreis_ags": "09162"}, SQUARE_A)])


@pytest.fixture
def invalid_layer(tmp_path: Path) -> Path:
    return _layer(
        tmp_path, "kaputt.geojson", [({"kreis_ags": "07312"}, SQUARE_A), ({"kreis_ags": "07335"}, BOW_TIE)]
    )


@pytest.mark.parametrize("bad", ["unmatched_layer", "invalid_layer"])
def test_command_with_a_failing_boundary_file_leaves_the_registry_unchanged(
    request: pytest.FixtureRequest, good_layer: Path, bad: str
) -> None:
    layer = request.getfixturevalue(bad)
    with pytest.raises(CommandError) as caught:
        call_command(
            "import_registry",
            "--gv100ad",
            str(SAMPLE_GV100AD),
            "--state",
            "07",
            "--boundaries",
            str(good_layer),
            "--boundaries",
            str(layer),
            "--quiet",
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert layer.name in str(caught.value)
    assert "das Register ist unverändert" in str(caught.value)
    _nothing_stored()


def test_a_run_writes_all_files_together(good_layer: Path) -> None:
    result = registry_import_run(actor=IMPORTER, gv100ad=SAMPLE_GV100AD, boundaries=[good_layer], state="07")
    assert result.changed and result.gv100ad is not None and len(result.boundaries) == 1
    assert BodyBoundary.objects.filter(body__key__in=["07312000", "07335"]).count() == 2
    assert BodyNeighbour.objects.filter(body__key="07312000", neighbour__key="07335").exists()
    assert RegistryImport.objects.count() == 2
    assert len(result.summaries()) == 2


def test_a_failing_layer_rolls_back_an_earlier_layer_of_the_same_run(
    good_layer: Path, unmatched_layer: Path
) -> None:
    registry_import_run(actor=IMPORTER, gv100ad=SAMPLE_GV100AD, state="07")
    runs, entries = RegistryImport.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ImportFileError, match=r"fremd\.geojson"):
        registry_import_run(actor=IMPORTER, boundaries=[good_layer, unmatched_layer])
    assert not BodyBoundary.objects.exists() and not BodyNeighbour.objects.exists()
    assert (RegistryImport.objects.count(), AuditEntry.objects.count()) == (runs, entries)


def test_the_import_job_with_a_failing_boundary_file_changes_nothing(
    client: Any, django_capture_on_commit_callbacks: Any, unmatched_layer: Path
) -> None:
    client.force_login(UserFactory.create(operator=True))
    uploads = {
        "gv100ad": SimpleUploadedFile("GV100AD_sample.txt", SAMPLE_GV100AD.read_bytes(), "text/plain"),
        "boundaries": SimpleUploadedFile(
            "fremd.geojson", unmatched_layer.read_bytes(), "application/geo+json"
        ),
        "state": "07",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/koerperschaften/import/", uploads)
    job = RegistryImportJob.objects.get()
    assert job.status == RegistryImportJob.Status.FAILED, job.summary
    assert "fremd.geojson" in job.error
    _nothing_stored()

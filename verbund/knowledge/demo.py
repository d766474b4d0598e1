"""Demo data of the knowledge part for ``manage.py load_demo``.

* **The service catalogue**: the Munich catalogue of the data directory
  (``services/munich_services_de.jsonl``, Landeshauptstadt München, CC BY 4.0, 287 services) as an
  example catalogue, else the small built-in sample of real Munich services; read through
  :func:`verbund.knowledge.services.catalogue.import_services` as the system actor :data:`ACTOR`.
  The RLP holder rules come with migration 0002.
* **Council documents**: the OParl test corpus of the data directory (``oparl/corpus/``: a fictitious
  Verbandsgemeinde "Beispieltal", CC BY-SA 4.0, derived from the OParl specification's examples),
  harvested through the real harvester from the corpus files instead of the network
  (:class:`CorpusClient`); without the data directory there are no council documents in the demo.
* **A first measurement** of the request routing on the judge set (unseen requests) (when the Munich catalogue
  is loaded), so that the algorithm register shows the accuracy from the start.

Idempotent: a catalogue already read (slug ``muenchen``) is left alone; the measurement is taken once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from verbund.common.actors import SystemActor
from verbund.common.data import data_file

from .models import Catalogue, OParlSource, RouterEvaluation
from .oparl_client import OParlClient, OParlError, Response
from .policies import MANAGE
from .services import oparl, routing
from .services.catalogue import import_services, read_file

ACTOR = SystemActor(name="Demodaten", capabilities=frozenset({MANAGE}))
SLUG = "muenchen"
MUNICH = "services/munich_services_de.jsonl"
SAMPLE = Path(__file__).with_name("sample_services_de.jsonl")
NAME = "Dienstleistungen der Landeshauptstadt München"
SOURCE = "Landeshauptstadt München, Dienstleistungsfinder (CC BY 4.0)"
CORPUS = "oparl/corpus/url_map.json"
CORPUS_NAME = "Verbandsgemeinde Beispieltal (OParl-Testkorpus)"


class CorpusClient(OParlClient):
    """Answers the harvester from a corpus directory (``url_map.json``: URL → response file) instead of
    the network; a list asked for with ``modified_since`` that the corpus does not hold is empty, as a
    server answers when nothing changed."""

    def __init__(self, url_map: Path) -> None:
        super().__init__()
        mapping = json.loads(url_map.read_text(encoding="utf-8"))
        self.entrypoint: str = mapping["entrypoint"]
        self.directory = url_map.parent
        self.responses: dict[str, dict[str, str]] = mapping["responses"]

    def get(self, url: str, *, max_bytes: int) -> Response:
        self.requests_made += 1
        entry = self.responses.get(url)
        if entry is None:
            if "modified_since=" in url:
                return Response(url, b'{"data": [], "links": {}}', "application/json", "utf-8")
            raise OParlError(f"{url} ist nicht im Korpus.", url=url, status=404)
        content = (self.directory / entry["file"]).read_bytes()[: max_bytes + 1]
        content_type, _, parameters = entry["content_type"].partition(";")
        charset = parameters.split("=", 1)[1].strip() if "charset=" in parameters else None
        return Response(url, content, content_type.strip().lower(), charset)


def load_demo_knowledge(*, stdout: TextIO | None = None) -> None:
    """The example catalogue and a first measurement of the routing."""

    def line(text: str) -> None:
        if stdout is not None:
            stdout.write(text + "\n")

    if Catalogue.objects.filter(slug=SLUG).exists():
        line("Wissen: Leistungskatalog bereits eingelesen.")
    else:
        path = data_file(MUNICH) or SAMPLE
        result = import_services(
            actor=ACTOR,
            records=read_file(path),
            name=NAME if path != SAMPLE else f"{NAME} (Auszug)",
            slug=SLUG,
            source=SOURCE,
            licence="CC BY 4.0",
            # the audit log names the file in words (a file name reads as a code there)
            path="Münchner Dienstleistungskatalog" if path != SAMPLE else "Beispielkatalog",
        )
        line(f"Wissen: {result.catalogue.name}: {result.created} Leistungen eingelesen.")
    _council_corpus(line)
    if not RouterEvaluation.objects.exists():
        evaluation = routing.evaluate(routing.rebuild())
        if evaluation is not None:
            line(
                f"Wissen: Zuordnung gemessen an {evaluation.requests} Anliegen: "
                f"{evaluation.top1:.0%} an erster Stelle, {evaluation.top3:.0%} unter den ersten drei."
            )


def _council_corpus(line: Callable[[str], None]) -> None:
    url_map = data_file(CORPUS)
    if url_map is None:
        line("Wissen: kein OParl-Korpus im Datenverzeichnis, keine Ratsdokumente.")
        return
    client = CorpusClient(url_map)
    if OParlSource.objects.filter(url=client.entrypoint).exists():
        line("Wissen: Ratsdokumente bereits abgerufen.")
        return
    source, _created = oparl.oparl_source_add(actor=ACTOR, url=client.entrypoint, name=CORPUS_NAME)
    result = oparl.oparl_harvest(actor=ACTOR, source=source, client=client)
    line(f"Wissen: {result.summary()}")

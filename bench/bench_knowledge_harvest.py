"""OParl harvest throughput: objects stored per second from a local HTTP server.

The papers of the shared OParl corpus (``oparl/corpus`` in ``$VERBUND_DATA_DIR``; each with its
consultations and its embedded main and auxiliary Files) are multiplied into ``BENCH_OPARL_PAPERS``
papers (default 10,000; fresh ids, each File's download text made unique, with its size and
SHA-512) in pages of 100, served by the tests' threading ``http.server`` on 127.0.0.1
(:mod:`verbund.knowledge.tests.oparl_server`). Measured: the first (full) harvest — objects, File
downloads and requests per second —, a second full run that finds everything unchanged, and an
incremental run (``modified_since``) with nothing changed. Skips when the corpus is missing.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from verbund.common.actors import SystemActor
from verbund.common.data import data_file
from verbund.knowledge.models import OParlObject, OParlSource
from verbund.knowledge.oparl_client import OParlClient
from verbund.knowledge.policies import MANAGE
from verbund.knowledge.services.oparl import oparl_harvest
from verbund.knowledge.tests.oparl_server import CORPUS_BASE, OParlTestServer, load_corpus

ACTOR = SystemActor(name="Benchmark", capabilities=frozenset({MANAGE}))
PAGE = 100
V1 = CORPUS_BASE


def _synthetic(
    responses: dict[str, tuple[bytes, str]], papers: int
) -> tuple[dict[str, tuple[bytes, str]], int]:
    """The System, one Body with a paper list of ``papers`` papers, and the File downloads."""
    pages = [json.loads(responses[url][0]) for url in (f"{V1}body/1/papers", f"{V1}body/1/papers?page=2")]
    templates = [paper for page in pages for paper in page["data"]]
    out: dict[str, tuple[bytes, str]] = {}
    system = json.loads(responses[f"{V1}system"][0])
    out[f"{V1}system"] = (json.dumps(system).encode(), "application/json")
    body = json.loads(responses[f"{V1}body/1"][0])
    body = {
        key: value
        for key, value in body.items()
        if key
        not in {
            "organization",
            "person",
            "meeting",
            "agendaItem",
            "consultation",
            "file",
            "locationList",
            "legislativeTermList",
            "membership",
        }
    }
    out[f"{V1}bodies"] = (json.dumps({"data": [body], "links": {}}).encode(), "application/json")
    objects = 0
    for start in range(0, papers, PAGE):
        data = []
        for n in range(start, min(start + PAGE, papers)):
            paper = copy.deepcopy(templates[n % len(templates)])
            paper["id"] = f"{V1}paper/s{n}"
            paper["reference"] = f"{paper.get('reference', 'X')}-{n}"
            objects += 1
            for k, consultation in enumerate(paper.get("consultation", [])):
                consultation["id"] = f"{V1}consultation/s{n}-{k}"
                consultation["paper"] = paper["id"]
                # the corpus's agenda items and meetings are not served here
                consultation.pop("agendaItem", None)
                consultation.pop("meeting", None)
                objects += 1
            files = [paper["mainFile"]] if isinstance(paper.get("mainFile"), dict) else []
            files += [f for f in paper.get("auxiliaryFile", []) if isinstance(f, dict)]
            for k, file in enumerate(files):
                original = responses[file["accessUrl"]][0]
                content = original + f"\nKopie {n}-{k}\n".encode()
                file["id"] = f"{V1}file/s{n}-{k}"
                file["accessUrl"] = file["downloadUrl"] = f"{V1}files/s{n}-{k}/download.txt"
                file["size"] = len(content)
                file["sha512Checksum"] = hashlib.sha512(content).hexdigest()
                file.pop("text", None)
                out[file["accessUrl"]] = (content, "text/plain; charset=utf-8")
                objects += 1
            for k, location in enumerate(paper.get("location", [])):
                if isinstance(location, dict):
                    location["id"] = f"{V1}location/s{n}-{k}"
                    objects += 1
            data.append(paper)
        url = f"{V1}body/1/papers" if start == 0 else f"{V1}body/1/papers?page={start // PAGE + 1}"
        links = {"next": f"{V1}body/1/papers?page={start // PAGE + 2}"} if start + PAGE < papers else {}
        out[url] = (json.dumps({"data": data, "links": links}).encode(), "application/json")
    return out, objects + 4  # with the System, the Body and its embedded term and location


def run() -> Iterator[dict[str, Any]]:
    url_map = data_file("oparl/corpus/url_map.json")
    if url_map is None:
        yield {"metric": "harvest_objects_per_s", "skipped": "oparl/corpus not in the data directory"}
        return
    papers = int(os.environ.get("BENCH_OPARL_PAPERS", "10000"))
    _entry, responses = load_corpus(Path(url_map).parent)
    served, expected = _synthetic(responses, papers)
    with OParlTestServer(served) as server:
        source = OParlSource.objects.create(url=f"{V1}system", name="Benchmark")

        def harvest(full: bool) -> tuple[float, float, Any, int]:
            client = OParlClient(rewrite=server.rewrite, retries=0, allow_private_hosts=True)
            server.requests.clear()
            started, cpu = time.perf_counter(), time.process_time()
            result = oparl_harvest(actor=ACTOR, source=source, full=full, client=client)
            elapsed = time.perf_counter() - started
            assert result.ok, result.error
            return elapsed, time.process_time() - cpu, result, len(server.requests)

        elapsed, cpu, result, requests = harvest(full=True)
        stored = OParlObject.objects.count()
        yield {
            "metric": "harvest_objects_per_s",
            "value": round(stored / elapsed, 1),
            "papers": papers,
            "objects": stored,
            "objects_expected": expected,
            "files_with_text": result.files_ok,
            "requests": requests,
            "seconds": round(elapsed, 2),
            "cpu_s_harvester": round(cpu, 2),
            "files_per_s": round(result.files_ok / elapsed, 1),
        }
        elapsed, cpu, result, requests = harvest(full=True)
        yield {
            "metric": "reharvest_unchanged_objects_per_s",
            "value": round(result.unchanged / elapsed, 1),
            "unchanged": result.unchanged,
            "changed": result.changed,
            "requests": requests,
            "seconds": round(elapsed, 2),
        }
        elapsed, cpu, result, requests = harvest(full=False)
        yield {
            "metric": "incremental_nothing_changed_s",
            "value": round(elapsed, 3),
            "requests": requests,
            "changed": result.changed + result.new + result.deleted,
        }

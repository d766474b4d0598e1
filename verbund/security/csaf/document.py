"""The facts of a CSAF document that the UI, the import and the matcher need (pure, no Django).

:func:`parse` reads a CSAF 2.0 (or 2.1) document into frozen dataclasses. It does not validate:
call :func:`verbund.security.csaf.validation.validate` first; on a valid document every required
field is there, and parse tolerates missing optional ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from verbund.security.csaf.scores import SEVERITY_RANK, Score, highest, scores_of_vulnerability
from verbund.security.csaf.validation import decode

#: TLP 2.0 labels (FIRST), most open first.
TLP_LABELS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
# CSAF 2.0 still uses TLP 1.0's WHITE, which TLP 2.0 renamed CLEAR.
_TLP_ALIASES = {"WHITE": "CLEAR", "AMBER_STRICT": "AMBER+STRICT"}

_KEV = re.compile(r"cisa\.gov/known-exploited-vulnerabilities|/kev\b|known.exploited", re.IGNORECASE)
_EXPLOITED = re.compile(
    r"exploited|exploitation (?:has been|was|is) (?:detected|observed|reported)|in the wild|"
    r"ausgenutzt|known_exploited|\bkev\b",
    re.IGNORECASE,
)
_NOT_EXPLOITED = re.compile(
    r"\bno (?:known )?(?:public )?(?:exploit|exploitation|evidence)|not (?:been |known to be )?"
    r"(?:aware|exploited|known)|\bunknown\b|\bkeine\b|\bnicht\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Publisher:
    name: str
    namespace: str
    category: str


@dataclass(frozen=True)
class Revision:
    number: str
    date: datetime | None
    summary: str


@dataclass(frozen=True)
class Note:
    category: str
    text: str
    title: str = ""


@dataclass(frozen=True)
class Reference:
    url: str
    summary: str
    category: str = "external"


@dataclass(frozen=True)
class Threat:
    category: str  # exploit_status, impact, target_set
    details: str
    product_ids: tuple[str, ...] = ()
    group_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Remediation:
    category: str  # vendor_fix, mitigation, workaround, none_available, no_fix_planned, …
    details: str
    product_ids: tuple[str, ...] = ()
    group_ids: tuple[str, ...] = ()
    url: str = ""
    date: datetime | None = None


@dataclass(frozen=True)
class Flag:
    label: str  # component_not_present, vulnerable_code_not_present, …
    product_ids: tuple[str, ...] = ()
    group_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class VulnerabilityFacts:
    index: int  # position in /vulnerabilities (for JSON paths)
    cve: str
    ids: tuple[tuple[str, str], ...]  # (system_name, text)
    title: str
    cwe_id: str
    cwe_name: str
    summary: str
    notes: tuple[Note, ...]
    scores: tuple[Score, ...]
    threats: tuple[Threat, ...]
    remediations: tuple[Remediation, ...]
    flags: tuple[Flag, ...]
    #: status list (known_affected, fixed, …) → product ids, as the document gives them
    product_status: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    references: tuple[Reference, ...] = ()
    exploit_status: str = ""  # the texts of the exploit_status threats
    known_exploited: bool = False
    release_date: datetime | None = None

    @property
    def label(self) -> str:
        """The CVE, else the first other id, else the title."""
        return self.cve or (self.ids[0][1] if self.ids else "") or self.title

    @property
    def top_score(self) -> Score | None:
        return highest(self.scores)


@dataclass(frozen=True)
class AdvisoryFacts:
    csaf_version: str
    tracking_id: str
    version: str
    status: str  # draft, interim, final
    initial_release_date: datetime | None
    current_release_date: datetime | None
    revision_history: tuple[Revision, ...]
    title: str
    category: str
    publisher: Publisher
    lang: str
    tlp: str | None  # TLP 2.0 label, None when the document has none
    tlp_url: str
    sharing_group: str  # CSAF 2.1: the sharing group's name (or id), else ""
    aggregate_severity: str
    notes: tuple[Note, ...]
    references: tuple[Reference, ...]
    vulnerabilities: tuple[VulnerabilityFacts, ...]

    @property
    def summary(self) -> str:
        """The first ``summary`` note, else the first ``description`` note, else ""."""
        for category in ("summary", "description"):
            for note in self.notes:
                if note.category == category:
                    return note.text
        return ""

    @property
    def cves(self) -> tuple[str, ...]:
        return tuple(v.cve for v in self.vulnerabilities if v.cve)

    @property
    def known_exploited(self) -> bool:
        return any(v.known_exploited for v in self.vulnerabilities)

    @property
    def top_score(self) -> Score | None:
        return highest(s for v in self.vulnerabilities for s in v.scores)

    @property
    def severity(self) -> str:
        """The German severity of the highest score ("" without a valid score)."""
        top = self.top_score
        return top.severity if top else ""

    @property
    def severity_rank(self) -> int:
        return SEVERITY_RANK.get(self.severity, -1)


def tlp_label(value: str | None) -> str | None:
    """A TLP label as TLP 2.0 names it (``WHITE`` → ``CLEAR``); ``None`` for none or unknown."""
    if not value:
        return None
    label = str(value).strip().upper().removeprefix("TLP:")
    label = _TLP_ALIASES.get(label, label)
    return label if label in TLP_LABELS else None


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _text(value: Any) -> str:
    return str(value) if value is not None else ""


def _ids(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values or ())


def _notes(items: Any) -> tuple[Note, ...]:
    return tuple(
        Note(category=_text(n.get("category")), text=_text(n.get("text")), title=_text(n.get("title")))
        for n in items or ()
    )


def _references(items: Any) -> tuple[Reference, ...]:
    return tuple(
        Reference(
            url=_text(r.get("url")),
            summary=_text(r.get("summary")),
            category=_text(r.get("category")) or "external",
        )
        for r in items or ()
    )


def is_exploited_text(text: str) -> bool:
    """Whether an exploit_status text says the vulnerability is exploited (and does not deny it)."""
    return bool(_EXPLOITED.search(text)) and not _NOT_EXPLOITED.search(text)


def _vulnerability(
    index: int, item: Mapping[str, Any], document_refs: tuple[Reference, ...]
) -> VulnerabilityFacts:
    notes = _notes(item.get("notes"))
    threats = tuple(
        Threat(
            category=_text(t.get("category")),
            details=_text(t.get("details")),
            product_ids=_ids(t.get("product_ids")),
            group_ids=_ids(t.get("group_ids")),
        )
        for t in item.get("threats") or ()
    )
    references = _references(item.get("references"))
    exploit_texts = [t.details for t in threats if t.category == "exploit_status"]
    cve = _text(item.get("cve"))
    kev = any(_KEV.search(r.url) or _KEV.search(r.summary) for r in references) or bool(
        cve and any(_KEV.search(r.url) and cve in f"{r.url} {r.summary}" for r in document_refs)
    )
    # CSAF 2.1 names the exploitation in /vulnerabilities[]/metrics[]/content/ssvc_v2 and in
    # /vulnerabilities[]/first_known_exploitation_dates.
    known_exploited = (
        kev
        or any(is_exploited_text(t) for t in exploit_texts)
        or bool(item.get("first_known_exploitation_dates"))
    )
    cwe = item.get("cwe") or {}
    if not cwe and item.get("cwes"):  # CSAF 2.1: a list
        cwe = (item.get("cwes") or [{}])[0]
    summary = next((n.text for n in notes if n.category == "summary"), "") or next(
        (n.text for n in notes if n.category == "description"), ""
    )
    return VulnerabilityFacts(
        index=index,
        cve=cve,
        ids=tuple((_text(i.get("system_name")), _text(i.get("text"))) for i in item.get("ids") or ()),
        title=_text(item.get("title")),
        cwe_id=_text(cwe.get("id")),
        cwe_name=_text(cwe.get("name")),
        summary=summary,
        notes=notes,
        scores=scores_of_vulnerability(item),
        threats=threats,
        remediations=tuple(
            Remediation(
                category=_text(r.get("category")),
                details=_text(r.get("details")),
                product_ids=_ids(r.get("product_ids")),
                group_ids=_ids(r.get("group_ids")),
                url=_text(r.get("url")),
                date=_date(r.get("date")),
            )
            for r in item.get("remediations") or ()
        ),
        flags=tuple(
            Flag(
                label=_text(f.get("label")),
                product_ids=_ids(f.get("product_ids")),
                group_ids=_ids(f.get("group_ids")),
            )
            for f in item.get("flags") or ()
        ),
        product_status={str(k): _ids(v) for k, v in (item.get("product_status") or {}).items()},
        references=references,
        exploit_status="\n".join(exploit_texts),
        known_exploited=known_exploited,
        release_date=_date(item.get("release_date")),
    )


def parse(data: Mapping[str, Any] | bytes | str) -> AdvisoryFacts:
    """The facts of a CSAF document (dict, JSON bytes/text or gzip bytes).

    Raises :class:`~verbund.security.csaf.validation.DocumentError` for input that is not JSON.
    """
    document = decode(data)
    meta = document.get("document") or {}
    tracking = meta.get("tracking") or {}
    publisher = meta.get("publisher") or {}
    distribution = meta.get("distribution") or {}
    tlp = distribution.get("tlp") or {}
    sharing_group = distribution.get("sharing_group") or {}
    severity = meta.get("aggregate_severity") or {}
    references = _references(meta.get("references"))
    return AdvisoryFacts(
        csaf_version=_text(meta.get("csaf_version")),
        tracking_id=_text(tracking.get("id")),
        version=_text(tracking.get("version")),
        status=_text(tracking.get("status")),
        initial_release_date=_date(tracking.get("initial_release_date")),
        current_release_date=_date(tracking.get("current_release_date")),
        revision_history=tuple(
            Revision(
                number=_text(r.get("number")), date=_date(r.get("date")), summary=_text(r.get("summary"))
            )
            for r in tracking.get("revision_history") or ()
        ),
        title=_text(meta.get("title")),
        category=_text(meta.get("category")),
        publisher=Publisher(
            name=_text(publisher.get("name")),
            namespace=_text(publisher.get("namespace")),
            category=_text(publisher.get("category")),
        ),
        lang=_text(meta.get("lang")),
        tlp=tlp_label(tlp.get("label")),
        tlp_url=_text(tlp.get("url")),
        sharing_group=_text(sharing_group.get("name") or sharing_group.get("id")),
        aggregate_severity=_text(severity.get("text")),
        notes=_notes(meta.get("notes")),
        references=references,
        vulnerabilities=tuple(
            _vulnerability(index, item, references)
            for index, item in enumerate(document.get("vulnerabilities") or ())
        ),
    )

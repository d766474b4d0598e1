"""The one sharing rule (:func:`verbund.security.services.sharing.check_sharing`): every service that
stores a TLP-labelled object applies it (the API as the pages), the sharing form shows its refusals
at the fields, TLP:RED needs named recipients of the owner's community, who then see the object (and
nobody else but its creator), and its texts are translated."""

from __future__ import annotations

import io
import itertools
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation

from verbund.accounts.principal import principal_for
from verbund.alliances.tests.factories import AllianceFactory
from verbund.common.errors import Invalid
from verbund.security import policies
from verbund.security.models import Advisory, Asset, Incident, SharingGroup
from verbund.security.services import advisory_sharing
from verbund.security.services import assets as asset_services
from verbund.security.services import attachments as attachment_services
from verbund.security.services import incidents as incident_services
from verbund.security.services.sharing import check_sharing
from verbund.security.views.assets import AssetForm
from verbund.security.views.incidents import IncidentForm

from .test_tlp_leaks import build_world

pytestmark = pytest.mark.django_db

_NUMBERS = itertools.count(1)


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    """The TLP leak world (a1, a2 in alliance A with a coordinator; b1, b2 in B; group G of a1 and
    b1; o1 in no alliance) plus alliance C of which a1 is not a member, and a group of strangers."""
    w = build_world()
    w.alliance_c = AllianceFactory.create(members=[w.b2, w.o1])
    w.strangers = SharingGroup.objects.create(name="Fremde", owner_body=w.b2)
    w.strangers.bodies.set([w.b2, w.o1])
    return w


def _incident(w: SimpleNamespace, **sharing: Any) -> Incident:
    values: dict[str, Any] = {"tlp": "amber", "distribution": "organisation", **sharing}
    now = timezone.now()
    return incident_services.incident_create(
        actor=w.a1_clerk, owner_body=w.a1, title="Ausfall", started_at=now, detected_at=now, **values
    )


def _asset(w: SimpleNamespace, **sharing: Any) -> Asset:
    return asset_services.asset_create(
        actor=w.a1_clerk, owner_body=w.a1, values={"name": "FortiGate"}, sharing=sharing
    )


def _advisory(w: SimpleNamespace, tlp: str = "amber") -> Advisory:
    from .test_tlp_leaks import _advisory as make

    return make(w.a1, next(_NUMBERS), tlp=tlp, distribution="organisation", created_by=w.a1_clerk)


def _share(w: SimpleNamespace, **values: Any) -> Advisory:
    return advisory_sharing.advisory_share(w.a1_clerk, _advisory(w, values.pop("tlp", "amber")), values)


# --- one rule for every object type --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["incident", "asset", "advisory"])
def test_no_object_goes_into_an_alliance_or_group_its_body_is_not_part_of(
    world: SimpleNamespace, kind: str
) -> None:
    make = {"incident": _incident, "asset": _asset, "advisory": _share}[kind]
    with pytest.raises(Invalid) as refused:
        make(world, tlp="amber", distribution="alliance", alliance=world.alliance_c)
    assert "kein Mitglied" in refused.value.fields["alliance"][0]
    with pytest.raises(Invalid) as refused:
        make(world, tlp="amber", distribution="group", sharing_group=world.strangers)
    assert "gehört nicht zu dieser Teilungsgruppe" in refused.value.fields["sharing_group"][0]
    # its own alliance and group are fine
    make(world, tlp="amber", distribution="alliance", alliance=world.alliance_a)


def test_a_file_keeps_to_the_rule_as_well(world: SimpleNamespace) -> None:
    incident = _incident(world, distribution="alliance", alliance=world.alliance_a)
    with pytest.raises(Invalid) as refused:
        attachment_services.attachment_add(
            actor=world.a1_clerk,
            incident=incident,
            upload=io.BytesIO(b"Protokoll"),
            name="log.txt",
            tlp="amber+strict",
            distribution="alliance",
        )
    assert "distribution" in refused.value.fields or "tlp" in refused.value.fields
    assert not incident.attachments.exists()


def test_the_rule_names_every_faulty_field_at_once(world: SimpleNamespace) -> None:
    principal = principal_for(world.a1_clerk)
    with pytest.raises(Invalid) as refused:
        check_sharing(
            principal,
            {
                "owner_body": world.a1,
                "tlp": "amber+strict",
                "distribution": "organisation",
                "advisory_office": True,
                "recipients": [world.a2_clerk],
            },
        )
    assert set(refused.value.fields) == {"advisory_office", "recipients"}
    cleaned = check_sharing(
        principal,
        {
            "owner_body": world.a1,
            "tlp": "green",
            "distribution": "organisation",
            "alliance": world.alliance_a,
        },
    )
    assert cleaned["alliance_id"] is None  # not used by the distribution: not stored


@pytest.mark.parametrize(
    ("sharing", "field"),
    [
        ({"tlp": "amber", "distribution": "alliance", "alliance": "c"}, "alliance"),
        ({"tlp": "amber", "distribution": "all"}, "distribution"),
        ({"tlp": "red", "distribution": "organisation"}, "recipients"),
        ({"tlp": "amber", "distribution": "organisation", "recipients": ["a2_clerk"]}, "recipients"),
    ],
)
def test_the_form_shows_the_rules_refusal_at_its_field(
    world: SimpleNamespace, sharing: dict[str, Any], field: str
) -> None:
    data: dict[str, Any] = {
        "owner_body": world.a1.pk,
        "name": "FortiGate",
        "kind": "netz",
        "criticality": "mittel",
    }
    for name, value in sharing.items():
        if name == "alliance":
            value = {"a": world.alliance_a, "c": world.alliance_c}[value].pk
        if name == "recipients":
            value = [getattr(world, who).pk for who in value]
        data[name] = value
    principal = principal_for(world.a1_clerk)
    form = AssetForm(data, principal=principal)
    if field == "alliance":  # offered only when the principal's alliances include it: offer it
        form.fields["alliance"].queryset = form.fields["alliance"].queryset.model.objects.all()  # type: ignore[attr-defined]
    assert not form.is_valid()
    assert field in form.errors, form.errors
    # the same refusal as the service's
    with pytest.raises(Invalid) as refused:
        check_sharing(
            principal, {"owner_body": world.a1, **{**form.cleaned_data, **_objects(world, sharing)}}
        )
    assert refused.value.fields[field] == form.errors[field]


def _objects(w: SimpleNamespace, sharing: dict[str, Any]) -> dict[str, Any]:
    values = dict(sharing)
    if "alliance" in values:
        values["alliance"] = {"a": w.alliance_a, "c": w.alliance_c}[values["alliance"]]
    if "recipients" in values:
        values["recipients"] = [getattr(w, who) for who in values["recipients"]]
    else:
        values["recipients"] = []
    return values


# --- TLP:RED: named recipients ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["incident", "asset", "advisory"])
def test_red_needs_named_recipients_also_without_the_form(world: SimpleNamespace, kind: str) -> None:
    make = {"incident": _incident, "asset": _asset, "advisory": _share}[kind]
    with pytest.raises(Invalid) as refused:
        make(world, tlp="red", distribution="organisation", recipients=[])
    assert "mindestens eine" in refused.value.fields["recipients"][0]
    # a person of another alliance (b2 shares nothing with a1) cannot be named
    with pytest.raises(Invalid) as refused:
        make(world, tlp="red", distribution="organisation", recipients=[world.b2_clerk.pk])
    assert "recipients" in refused.value.fields


def test_red_goes_to_the_named_people_and_the_creator_only(world: SimpleNamespace) -> None:
    incident = _incident(world, tlp="red", recipients=[world.a2_clerk.pk])
    asset = _asset(world, tlp="red", distribution="organisation", recipients=[world.b1_clerk])
    assert sorted(incident.recipients.values_list("pk", flat=True)) == [world.a2_clerk.pk]
    assert list(asset.recipients.all()) == [world.b1_clerk]
    for obj, named in ((incident, world.a2_clerk), (asset, world.b1_clerk)):
        for user in (world.a1_clerk, named):
            assert policies.sees(principal_for(user), obj), (obj, user)
        for user in (world.a1_head, world.coordinator, world.b2_clerk, world.operator, world.advisory):
            assert not policies.sees(principal_for(user), obj), (obj, user)


def test_changing_to_red_keeps_or_asks_for_the_named_people(world: SimpleNamespace) -> None:
    incident = _incident(world)
    with pytest.raises(Invalid) as refused:
        incident_services.incident_update(actor=world.a1_clerk, incident=incident, tlp="red")
    assert "recipients" in refused.value.fields
    incident_services.incident_update(
        actor=world.a1_clerk, incident=incident, tlp="red", recipients=[world.a1_head.pk]
    )
    # a later change of the sharing without names keeps the incident's and is checked with them
    incident_services.incident_update(actor=world.a1_clerk, incident=incident, distribution="organisation")
    assert list(Incident.objects.get(pk=incident.pk).recipients.all()) == [world.a1_head]
    asset = _asset(world, tlp="red", distribution="organisation", recipients=[world.a1_head.pk])
    asset_services.asset_update(
        actor=world.a1_clerk, asset=asset, values={}, sharing={"tlp": "red", "distribution": "organisation"}
    )
    assert list(Asset.objects.get(pk=asset.pk).recipients.all()) == [world.a1_head]


def test_a_red_file_goes_to_the_incidents_named_people_or_those_named_for_it(world: SimpleNamespace) -> None:
    red = _incident(world, tlp="red", recipients=[world.a2_clerk.pk])
    file = attachment_services.attachment_add(
        actor=world.a1_clerk, incident=red, upload=io.BytesIO(b"x"), name="a.txt"
    )
    assert list(file.recipients.all()) == [world.a2_clerk]
    amber = _incident(world)
    with pytest.raises(Invalid) as refused:
        attachment_services.attachment_add(
            actor=world.a1_clerk,
            incident=amber,
            upload=io.BytesIO(b"x"),
            name="b.txt",
            tlp="red",
            distribution="organisation",
        )
    assert "recipients" in refused.value.fields
    named = attachment_services.attachment_add(
        actor=world.a1_clerk,
        incident=amber,
        upload=io.BytesIO(b"x"),
        name="c.txt",
        tlp="red",
        distribution="organisation",
        recipients=[world.a1_head],
    )
    assert list(named.recipients.all()) == [world.a1_head]


def test_the_form_offers_the_people_of_the_community(world: SimpleNamespace) -> None:
    form = IncidentForm(principal=principal_for(world.a1_clerk))
    offered = set(form.fields["recipients"].queryset)  # type: ignore[attr-defined]
    # a1's staff and heads, alliance A's members and coordinator, group G's b1
    assert {world.a1_clerk, world.a1_head, world.a2_clerk, world.coordinator, world.b1_clerk} <= offered
    assert not offered & {world.b2_clerk, world.outsider, world.advisory, world.operator, world.leaver}
    for form_class in (AssetForm,):
        assert "recipients" in form_class(principal=principal_for(world.a1_clerk)).fields


def test_the_incident_page_stores_the_named_people(world: SimpleNamespace) -> None:
    client = Client()
    client.force_login(world.a1_clerk)
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    data = {
        "owner_body": world.a1.pk,
        "title": "Verschlüsselungstrojaner",
        "started_at": now,
        "detected_at": now,
        "status": "offen",
        "tlp": "red",
        "distribution": "organisation",
    }
    refused = client.post("/sicherheit/vorfaelle/neu/", data)
    assert refused.status_code == 200 and not Incident.objects.exists()
    assert "mindestens eine" in refused.content.decode()
    created = client.post("/sicherheit/vorfaelle/neu/", {**data, "recipients": [world.a2_clerk.pk]})
    assert created.status_code == 302, created.content.decode()[:2000]
    incident = Incident.objects.get()
    assert list(incident.recipients.all()) == [world.a2_clerk]


def test_the_asset_page_stores_the_named_people(world: SimpleNamespace) -> None:
    client = Client()
    client.force_login(world.a1_clerk)
    data = {
        "owner_body": world.a1.pk,
        "name": "Firewall",
        "kind": "netz",
        "criticality": "mittel",
        "quantity": 1,
        "tlp": "red",
        "distribution": "organisation",
        "recipients": [world.a1_head.pk],
    }
    created = client.post("/sicherheit/komponenten/neu/", data)
    assert created.status_code == 302, created.content.decode()[:3000]
    assert list(Asset.objects.get().recipients.all()) == [world.a1_head]


# --- texts in the reader's language ---------------------------------------------------------------------


def test_an_english_reader_gets_the_rules_refusals_in_english(world: SimpleNamespace) -> None:
    principal = principal_for(world.a1_clerk)
    with translation.override("en"):
        with pytest.raises(Invalid) as owner:
            check_sharing(principal, {"owner_body": world.b1, "tlp": "amber", "distribution": "organisation"})
        with pytest.raises(Invalid) as red:
            check_sharing(
                principal,
                {"owner_body": world.a1, "tlp": "red", "distribution": "organisation", "recipients": []},
            )
        with pytest.raises(Invalid) as member:
            check_sharing(
                principal,
                {
                    "owner_body": world.a1,
                    "tlp": "amber",
                    "distribution": "alliance",
                    "alliance": world.alliance_c,
                },
            )
        with pytest.raises(Invalid) as public:
            advisory_sharing.advisory_share(
                world.a1_clerk, _advisory(world, "clear"), {"distribution": "all"}
            )
    texts = [
        owner.value.fields["owner_body"][0],
        red.value.fields["recipients"][0],
        member.value.fields["alliance"][0],
        public.value.fields["distribution"][0],
    ]
    assert texts == [
        "You cannot enter anything for this body.",
        "TLP:RED goes only to people named individually: please name at least one recipient.",
        f"{world.a1.name} is not a member of this alliance.",
        "A public advisory (TLP:CLEAR) goes to everyone anyway.",
    ]


def test_the_api_answers_an_english_reader_in_english(world: SimpleNamespace) -> None:
    client = Client()
    client.force_login(world.a1_clerk)
    now = timezone.now().isoformat()
    response = client.post(
        "/api/v1/security/incidents",
        {
            "owner_body": world.a1.ars,
            "title": "Ausfall",
            "started_at": now,
            "detected_at": now,
            "tlp": "red",
            "distribution": "organisation",
        },
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422, response.content
    assert "please name at least one recipient" in response.content.decode()


def test_an_upload_of_a_red_document_needs_named_people(world: SimpleNamespace) -> None:
    import json

    from .test_csaf_validation import sample_advisory

    client = Client()
    client.force_login(world.a1_clerk)

    def post(**fields: Any) -> Any:
        data = json.dumps(sample_advisory()).encode()
        upload = SimpleUploadedFile("hinweis.json", data, content_type="application/json")
        return client.post(
            "/sicherheit/hinweise/einlesen/",
            {
                "document": upload,
                "owner_body": world.a1.pk,
                "tlp": "red",
                "distribution": "organisation",
                **fields,
            },
        )

    refused = post()
    assert refused.status_code == 200 and not Advisory.objects.exists()
    stored = post(recipients=[world.a2_clerk.pk])
    assert stored.status_code == 302, stored.content.decode()[:3000]
    advisory = Advisory.objects.get()
    assert advisory.tlp == "red" and list(advisory.recipients.all()) == [world.a2_clerk]
    assert policies.sees(principal_for(world.a2_clerk), advisory)
    assert not policies.sees(principal_for(world.a1_head), advisory)

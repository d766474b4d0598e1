"""The alliance's agreement on reimbursing mutual aid: who sees and changes it, periods that never
overlap, new versions instead of edits, German input on the pages, the cost-sharing key checked by
the allocation engine, every change audited in German, the demo's agreement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from verbund.accounts.tests.factories import UserFactory
from verbund.audit.models import AuditEntry
from verbund.audit.presenters import change_lines
from verbund.common.errors import Conflict, Forbidden, Invalid, NotFound
from verbund.emergency.models import AidAgreement, AidSettlement
from verbund.emergency.services import agreements as svc
from verbund.emergency.services import aid

from .factories import joint_staff_world

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = svc.today()
DAY = dt.timedelta(days=1)


@pytest.fixture
def world() -> Any:
    w = joint_staff_world()
    w.operator = UserFactory(operator=True)
    return w


def terms(**extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "reimburse": True,
        "hourly_rate": D("45.00"),
        "daily_rates": {"pumpe": D("80.00"), "stromerzeuger": "120.5"},
        "consumables_at_cost": True,
        "cost_sharing": {"type": "population"},
        "valid_from": dt.date(2025, 1, 1),
        "note": "Beschluss der Verbandsversammlung vom 14.11.2024",
    }
    values.update(extra)
    return values


def create(world: Any, **extra: Any) -> AidAgreement:
    return svc.agreement_create(actor=world.coordinator, alliance=world.alliance, values=terms(**extra))


# --- who -------------------------------------------------------------------------------------------


def test_coordinator_and_operator_change_members_see_strangers_get_404(world) -> None:
    agreement = create(world)
    assert agreement.daily_rates == {"stromerzeuger": "120.50", "pumpe": "80.00"}
    assert agreement.created_by == world.coordinator
    # members of the alliance's bodies see it, but may not change it
    for member in (world.clerk, world.head, world.kgs):
        assert svc.get_agreement(member, agreement.pk) == agreement
        with pytest.raises(Forbidden):
            svc.agreement_end(actor=member, agreement=agreement, valid_until=TODAY)
        with pytest.raises(Forbidden):
            svc.agreement_create(
                actor=member, alliance=world.alliance, values=terms(valid_from=TODAY + 400 * DAY)
            )
    # a person of a body outside the alliance, or of none: as if it did not exist
    strangers: list[Any] = [world.outsider, UserFactory()]
    for stranger in strangers:
        with pytest.raises(NotFound):
            svc.get_agreement(stranger, agreement.pk)
        with pytest.raises(NotFound):
            svc.agreement_end(actor=stranger, agreement=agreement, valid_until=TODAY)
        assert not svc.visible_agreements(stranger).exists()
        assert not svc.visible_alliances(stranger).exists()
    # Plattformbetrieb may change the alliance, so the agreement too
    ended = svc.agreement_end(actor=world.operator, agreement=agreement, valid_until=TODAY + 10 * DAY)
    assert ended.valid_until == TODAY + 10 * DAY
    assert list(svc.visible_alliances(world.clerk)) == [world.alliance]


# --- periods and versions --------------------------------------------------------------------------


def test_overlapping_periods_are_refused_naming_the_other_agreement(world) -> None:
    first = create(world, valid_until=dt.date(2025, 12, 31))
    with pytest.raises(Invalid) as refused:
        create(
            world,
            valid_from=dt.date(2025, 6, 1),
            reimburse=False,
            hourly_rate=None,
            daily_rates={},
            cost_sharing=None,
        )
    assert f"Nr. {first.pk}" in refused.value.fields["valid_from"][0]
    assert refused.value.code == "agreement_overlap"
    # the day after is free; an open end then blocks everything later
    second = create(world, valid_from=dt.date(2026, 1, 1))
    with pytest.raises(Invalid):
        create(world, valid_from=dt.date(2030, 1, 1))
    assert AidAgreement.objects.filter(alliance=world.alliance).count() == 2
    assert second.valid_until is None


def test_new_version_ends_the_old_one_the_day_before_atomically(world) -> None:
    old = create(world)
    start = TODAY + 5 * DAY
    new = svc.agreement_new_version(
        actor=world.coordinator,
        agreement=old,
        valid_from=start,
        values={"hourly_rate": D("48.50"), "daily_rates": {"pumpe": "85"}},
    )
    old.refresh_from_db()
    assert old.valid_until == start - DAY
    assert (new.valid_from, new.valid_until, new.hourly_rate) == (start, None, D("48.50"))
    assert new.daily_rates == {"pumpe": "85.00"}
    assert new.cost_sharing == {"type": "population"} and new.note == old.note  # the rest carried over
    # what agreement_for finds on either side of the switch
    bodies = world.kreise
    assert aid.agreement_for(bodies[0].pk, bodies[1].pk, start - DAY) == old
    assert aid.agreement_for(bodies[0].pk, bodies[1].pk, start) == new
    # a faulty new version changes nothing
    with pytest.raises(Invalid) as refused:
        svc.agreement_new_version(
            actor=world.coordinator, agreement=new, valid_from=start + DAY, values={"hourly_rate": "-1"}
        )
    assert "hourly_rate" in refused.value.fields
    new.refresh_from_db()
    assert new.valid_until is None
    assert AidAgreement.objects.filter(alliance=world.alliance).count() == 2
    # a version does not start before (or on) the start of the one it replaces
    with pytest.raises(Invalid):
        svc.agreement_new_version(actor=world.coordinator, agreement=new, valid_from=start, values={})


def test_in_force_is_not_edited_future_is_edited_and_deleted(world) -> None:
    in_force = create(world, valid_until=TODAY + 30 * DAY)
    with pytest.raises(Conflict) as refused:
        svc.agreement_update(actor=world.coordinator, agreement=in_force, values={"hourly_rate": "50"})
    assert refused.value.code == "agreement_in_force"
    with pytest.raises(Conflict):
        svc.agreement_delete(actor=world.coordinator, agreement=in_force)
    future = create(world, valid_from=TODAY + 31 * DAY)
    changed = svc.agreement_update(
        actor=world.coordinator, agreement=future, values={"hourly_rate": D("50.00")}
    )
    assert changed.hourly_rate == D("50.00")
    # not into the past, and not over another agreement
    with pytest.raises(Invalid):
        svc.agreement_update(actor=world.coordinator, agreement=future, values={"valid_from": TODAY})
    svc.agreement_delete(actor=world.coordinator, agreement=future)
    assert not AidAgreement.objects.filter(pk=future.pk).exists()


def test_an_agreement_a_settlement_uses_is_not_deleted(world) -> None:
    from .test_resources import ask

    future = create(world, valid_from=TODAY + 60 * DAY)
    world.needy = world.kreise[0]
    request = ask(world)
    AidSettlement.objects.create(request=request, agreement=future)
    with pytest.raises(Conflict) as refused:
        svc.agreement_delete(actor=world.coordinator, agreement=future)
    assert refused.value.code == "agreement_settled"


def test_without_reimbursement_no_rates(world) -> None:
    with pytest.raises(Invalid) as refused:
        create(world, reimburse=False)
    assert {"hourly_rate", "daily_rates", "cost_sharing"} <= set(refused.value.fields)
    plain = create(world, reimburse=False, hourly_rate=None, daily_rates={}, cost_sharing=None)
    assert next(t.text for t in svc.terms(plain)).startswith(
        "Hilfe zwischen den Mitgliedern wird nicht erstattet"
    )


# --- values ----------------------------------------------------------------------------------------


def test_rates_and_keys_are_checked_naming_the_field(world) -> None:
    with pytest.raises(Invalid) as refused:
        create(world, hourly_rate="-5", daily_rates={"pumpe": "-1", "raumschiff": "3", "personal": "9"})
    fields = refused.value.fields
    assert {"hourly_rate", "daily_rates.pumpe", "daily_rates.raumschiff", "daily_rates.personal"} <= set(
        fields
    )
    for bad in (
        {
            "type": "mix",
            "parts": [
                {"weight": "60", "key": {"type": "equal"}},
                {"weight": "30", "key": {"type": "population"}},
            ],
        },
        {"type": "unbekannt"},
        {"type": "price_per_unit", "price": "1.90", "unit": "population"},
        {"type": "fixed_share", "shares": {"999999999999": "30"}, "rest": {"type": "equal"}},
        "{kein json",
    ):
        with pytest.raises(Invalid) as refused:
            create(world, cost_sharing=bad)
        assert list(refused.value.fields) == ["cost_sharing"], bad
    assert not AidAgreement.objects.exists()
    mixed = create(
        world,
        cost_sharing={
            "type": "mix",
            "parts": [
                {"weight": 50, "key": {"type": "equal"}},
                {"weight": 50, "key": {"type": "population"}},
            ],
        },
    )
    assert mixed.cost_sharing == svc.SHARING_PRESETS["mix"]
    assert svc.sharing_preset(mixed.cost_sharing) == "mix"
    text = {t.label: t.text for t in svc.terms(mixed)}["Kostenteilung"]
    assert text == "50 % Grundbetrag zu gleichen Teilen + 50 % nach Einwohnern"


# --- audit -----------------------------------------------------------------------------------------


def test_every_change_is_audited_with_german_keys(world) -> None:
    agreement = create(world, valid_from=TODAY + 10 * DAY)
    svc.agreement_update(actor=world.coordinator, agreement=agreement, values={"hourly_rate": D("46.00")})
    version = svc.agreement_new_version(
        actor=world.coordinator,
        agreement=agreement,
        valid_from=TODAY + 20 * DAY,
        values={"cost_sharing": None},
    )
    svc.agreement_end(actor=world.coordinator, agreement=version, valid_until=TODAY + 40 * DAY)
    svc.agreement_delete(actor=world.coordinator, agreement=version)
    entries = list(AuditEntry.objects.filter(action__startswith="emergency.agreement").order_by("pk"))
    assert [e.action for e in entries] == [
        "emergency.agreement_create",
        "emergency.agreement_set",
        "emergency.agreement_end",
        "emergency.agreement_version",
        "emergency.agreement_end",
        "emergency.agreement_delete",
    ]
    created, update = entries[0], entries[1]
    assert created.changes["Stundensatz Personal"] == "45,00 EUR"
    assert created.changes["Tagessatz Pumpe"] == "80,00 EUR"
    assert created.changes["Kostenteilung"] == "nach Einwohnern"
    assert update.changes == {"Stundensatz Personal": ["45,00 EUR", "46,00 EUR"]}
    assert entries[3].changes["Kostenteilung"][1].startswith("keine Kostenteilung")
    for entry in entries:
        assert entry.alliance_id == world.alliance.pk
        for key in entry.changes:
            assert key[:1].isupper(), key
        assert not any(line.unlabelled for line in change_lines(entry.object_type, entry.changes))


# --- pages -----------------------------------------------------------------------------------------


FORM = {
    "reimburse": "on",
    "hourly_rate": "45,00",
    "rate_stromerzeuger": "1.234,50",
    "rate_pumpe": "80",
    "consumables_at_cost": "on",
    "sharing": "mix",
    "valid_from": "01.01.2025",
    "valid_until": "",
    "note": "Beschluss der Verbandsversammlung vom 14.11.2024",
}


def test_pages_take_german_numbers_and_dates(client: Client, world) -> None:
    client.force_login(world.coordinator)
    url = reverse("emergency:agreement_create", kwargs={"slug": world.alliance.slug})
    assert client.get(url).status_code == 200
    response = client.post(url, FORM)
    assert response.status_code == 302, response.content.decode()[:3000]
    agreement = AidAgreement.objects.get(alliance=world.alliance)
    assert agreement.hourly_rate == D("45.00")
    assert agreement.daily_rates == {"stromerzeuger": "1234.50", "pumpe": "80.00"}
    assert agreement.valid_from == dt.date(2025, 1, 1)
    assert agreement.cost_sharing == svc.SHARING_PRESETS["mix"]
    detail = client.get(reverse("emergency:agreement_detail", kwargs={"agreement_id": agreement.pk}))
    html = detail.content.decode()
    assert "1.234,50 EUR je Tag" in html and "45,00 EUR je Stunde" in html
    assert "50 % Grundbetrag zu gleichen Teilen + 50 % nach Einwohnern" in html  # the key in words
    assert html.count("<h1") == 1 and "Fassungen des Verbunds" in html
    # a new version from a German date ends the old one the day before
    start = TODAY + 3 * DAY
    version_url = reverse("emergency:agreement_new_version", kwargs={"agreement_id": agreement.pk})
    form_page = client.get(version_url)
    assert form_page.status_code == 200 and form_page.content.decode().count("<h1") == 1
    assert 'value="1.234,50"' in form_page.content.decode()  # the old terms, shown the German way
    response = client.post(
        version_url, {**FORM, "hourly_rate": "47,50", "valid_from": start.strftime("%d.%m.%Y")}
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.valid_until == start - DAY
    assert AidAgreement.objects.get(valid_from=start).hourly_rate == D("47.50")
    # editing the one in force leads to the new version instead
    edit = client.get(reverse("emergency:agreement_edit", kwargs={"agreement_id": agreement.pk}))
    assert edit.status_code == 302 and "neue-fassung" in edit["Location"]
    overview = client.get(reverse("emergency:agreements"))
    assert overview.status_code == 200 and world.alliance.name in overview.content.decode()


def test_pages_refuse_negative_rates_and_bad_keys_at_the_field(client: Client, world) -> None:
    client.force_login(world.coordinator)
    url = reverse("emergency:agreement_create", kwargs={"slug": world.alliance.slug})
    response = client.post(url, {**FORM, "rate_pumpe": "-3,00"})
    assert response.status_code == 200
    assert "rate_pumpe" in response.context["form"].errors
    response = client.post(
        url, {**FORM, "sharing": "json", "cost_sharing_json": '{"type": "mix", "parts": []}'}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "cost_sharing_json" in errors and "Mischschlüssel" in errors["cost_sharing_json"][0]
    response = client.post(url, {**FORM, "valid_from": "31.02.2025"})
    assert "valid_from" in response.context["form"].errors
    assert not AidAgreement.objects.exists()


def test_pages_members_see_but_do_not_change_strangers_get_404(client: Client, world) -> None:
    agreement = create(world)
    slug = world.alliance.slug
    client.force_login(world.clerk)
    assert client.get(reverse("emergency:agreements_alliance", kwargs={"slug": slug})).status_code == 200
    detail = client.get(reverse("emergency:agreement_detail", kwargs={"agreement_id": agreement.pk}))
    assert detail.status_code == 200 and "neue-fassung" not in detail.content.decode()
    assert client.get(reverse("emergency:agreement_create", kwargs={"slug": slug})).status_code == 403
    assert (
        client.get(reverse("emergency:agreement_end", kwargs={"agreement_id": agreement.pk})).status_code
        == 403
    )
    client.force_login(world.outsider)
    for url in (
        reverse("emergency:agreements_alliance", kwargs={"slug": slug}),
        reverse("emergency:agreement_detail", kwargs={"agreement_id": agreement.pk}),
        reverse("emergency:agreement_create", kwargs={"slug": slug}),
        reverse("emergency:agreement_new_version", kwargs={"agreement_id": agreement.pk}),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("emergency:agreement_delete", kwargs={"agreement_id": agreement.pk})).status_code
        == 404
    )
    assert AidAgreement.objects.filter(pk=agreement.pk).exists()


def test_delete_page_removes_a_future_agreement(client: Client, world) -> None:
    future = create(world, valid_from=TODAY + 30 * DAY)
    client.force_login(world.coordinator)
    response = client.post(reverse("emergency:agreement_delete", kwargs={"agreement_id": future.pk}))
    assert response.status_code == 302
    assert not AidAgreement.objects.filter(pk=future.pk).exists()


# --- demo ------------------------------------------------------------------------------------------


def test_demo_agreement_is_created_once(world) -> None:
    from verbund.emergency import demo

    report = demo._Report(None)
    demo._ensure_agreement(world.alliance, report)
    demo._ensure_agreement(world.alliance, report)
    agreement = AidAgreement.objects.get(alliance=world.alliance)
    assert agreement.reimburse and agreement.hourly_rate == D("45.00")
    assert agreement.daily_rates == {"fahrzeug": "150.00", "stromerzeuger": "120.00", "pumpe": "80.00"}
    assert agreement.cost_sharing == {"type": "population"} and agreement.consumables_at_cost
    assert agreement.valid_from == dt.date(2025, 1, 1) and agreement.valid_until is None
    assert "Verbandsversammlung" in agreement.note
    assert AuditEntry.objects.filter(action="emergency.agreement_create").count() == 1

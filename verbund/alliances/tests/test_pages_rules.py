"""The alliance pages under the principal rules: 404 for what an outsider may not see, 403 for member
staff who see but may not change; the history link; ending an alliance and removing a member behind
a confirmation (``ui/confirm.html``); sharing, handing over and revoking the coordination on the page;
German amounts in the alliance form."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from verbund.alliances.models import AllianceRole, LegalForm, Membership, Status, StatusChange
from verbund.audit.models import AuditEntry

from .test_views import client_for, messages_of, page

pytestmark = pytest.mark.django_db


# --- the 404/403 rule, ending, coordination ---------------------------------------------------------


class TestPrincipalRules:
    def test_unpublished_alliance_is_404_for_outsiders_everywhere(self, alliance, world):
        for client in (client_for(), client_for(world.clerk_outsider), client_for(world.nobody)):
            assert client.get(alliance.get_absolute_url()).status_code == 404
            assert (
                client.post(reverse("alliances:transition", args=["cyber"]), {"to": "anbahnung"}).status_code
                == 404
            )
            assert (
                client.post(reverse("alliances:end", args=["cyber"]), {"confirmed": "1"}).status_code == 404
            )
            assert (
                client.post(
                    reverse("alliances:coordinator_add", args=["cyber"]), {"username": "x"}
                ).status_code
                == 404
            )
        assert (
            client_for(world.clerk_outsider).get(reverse("alliances:edit", args=["cyber"])).status_code == 404
        )

    def test_member_staff_sees_but_cannot_change(self, alliance, world):
        staff = client_for(world.clerk_a)
        html = page(staff.get(alliance.get_absolute_url()))
        assert "Verbund steuern" not in html and "Koordination teilen" not in html
        assert staff.get(reverse("alliances:edit", args=["cyber"])).status_code == 403
        assert staff.post(reverse("alliances:end", args=["cyber"]), {"confirmed": "1"}).status_code == 403
        membership = Membership.objects.get(alliance=alliance, body=world.vg_b)
        assert (
            staff.post(reverse("alliances:member_remove", args=["cyber", membership.pk])).status_code == 403
        )
        assert (
            staff.post(
                reverse("alliances:coordinator_add", args=["cyber"]), {"username": "leitung.a"}
            ).status_code
            == 403
        )
        alliance.refresh_from_db()
        assert alliance.status == Status.IDEE and not AllianceRole.objects.filter(user=world.head_a).exists()

    def test_history_link_for_coordinators_and_operators_only(self, alliance, world):
        link = f"/protokoll/?verbund={alliance.pk}"
        for who in ("coordinator", "operator"):
            html = page(client_for(getattr(world, who)).get(alliance.get_absolute_url()))
            assert f'href="{link}"' in html and ">Verlauf</a>" in html
        for who in ("clerk_a", "head_a", "advisory"):
            assert link not in page(client_for(getattr(world, who)).get(alliance.get_absolute_url()))

    def test_the_history_reads_as_german_sentences_for_the_coordinator(self, alliance, world):
        from verbund.alliances import services

        services.member_add(actor=world.coordinator, alliance=alliance, body=world.vg_c)
        html = page(client_for(world.coordinator).get(f"/protokoll/?verbund={alliance.pk}"))
        assert "koordination hat „Enkenbach-Alsenborn“ als Mitglied aufgenommen." in html


class TestEndingAndLeaving:
    def test_ending_asks_first_then_ends(self, alliance, world):
        client = client_for(world.coordinator)
        html = page(client.get(alliance.get_absolute_url()))
        end_url = reverse("alliances:end", args=["cyber"])
        assert 'class="vb-confirm"' in html and f'action="{end_url}"' in html
        assert "Bitte bestätigen: Verbund beenden" in html
        html = page(client.post(end_url, {"confirmed": "1"}, follow=True))
        alliance.refresh_from_db()
        assert alliance.status == Status.BEENDET
        assert "Der Verbund ist beendet." in messages_of(html)
        # nothing follows the end: the refusal is a message, the status stays
        html = page(client.post(end_url, {"confirmed": "1"}, follow=True))
        assert "beendet" in messages_of(html)
        assert "Bitte bestätigen: Verbund beenden" not in html

    def test_ending_without_the_confirmation_changes_nothing(self, alliance, world):
        client = client_for(world.coordinator)
        html = page(client.get(alliance.get_absolute_url()))
        # the confirmation names the consequences, with the members who are told
        assert "Die 2 Mitglieder (" in html and "werden benachrichtigt" in html
        end_url = reverse("alliances:end", args=["cyber"])
        html = page(client.post(end_url, follow=True))  # the form's button without its confirmation
        assert "Der Verbund wurde nicht beendet" in messages_of(html)
        # nor in one click through the status buttons
        transition_url = reverse("alliances:transition", args=["cyber"])
        html = page(client.post(transition_url, {"to": "beendet"}, follow=True))
        assert "Der Verbund wurde nicht beendet" in messages_of(html)
        alliance.refresh_from_db()
        assert alliance.status != Status.BEENDET
        assert not StatusChange.objects.filter(alliance=alliance, to_status=Status.BEENDET).exists()

    def test_removing_a_member_asks_first(self, alliance, world):
        client = client_for(world.coordinator)
        membership = Membership.objects.get(alliance=alliance, body=world.vg_b)
        url = reverse("alliances:member_remove", args=["cyber", membership.pk])
        html = page(client.get(alliance.get_absolute_url()))
        assert (
            "Bitte bestätigen: Austritt von Ramstein-Miesenbach eintragen" in html
            and f'action="{url}"' in html
        )
        html = page(client.post(url, {"confirmed": "1"}, follow=True))
        assert "Der Austritt von Ramstein-Miesenbach ist eingetragen." in messages_of(html)
        membership.refresh_from_db()
        assert membership.left_on is not None


class TestCoordination:
    def test_share_hand_over_and_revoke_on_the_page(self, alliance, world):
        client = client_for(world.coordinator)
        html = page(client.get(alliance.get_absolute_url()))
        assert (
            'id="koordination"' in html and "Koordination teilen" in html and "Koordination übergeben" in html
        )
        assert "sachbearbeitung.a" in html  # staff of members are suggested
        add = reverse("alliances:coordinator_add", args=["cyber"])
        # someone outside the members: the refusal stands at the field
        html = page(client.post(add, {"username": "sachbearbeitung.anderswo"}))
        assert 'id="coordinator_username_error"' in html and "Mitgliedskörperschaft" in html
        html = page(client.post(add, {"username": "niemand.bekannt"}))
        assert "Kein aktives Benutzerkonto" in html
        html = page(client.post(add, {"username": "leitung.a"}, follow=True))
        assert "koordiniert den Verbund jetzt mit" in messages_of(html)
        assert AllianceRole.objects.filter(alliance=alliance, user=world.head_a).exists()
        # revoke the co-coordinator (confirmation dialog on the page)
        revoke = reverse("alliances:coordinator_revoke", args=["cyber", world.head_a.pk])
        assert f'action="{revoke}"' in page(client.get(alliance.get_absolute_url()))
        html = page(client.post(revoke, {"confirmed": "1"}, follow=True))
        assert "koordiniert den Verbund nicht mehr" in messages_of(html)
        # the last coordinator cannot leave
        own = reverse("alliances:coordinator_revoke", args=["cyber", world.coordinator.pk])
        html = page(client.post(own, {"confirmed": "1"}, follow=True))
        assert "mindestens eine Koordination" in messages_of(html)
        # hand over: needs the confirmation box, then the coordinator is out
        handover = reverse("alliances:coordinator_handover", args=["cyber"])
        html = page(client.post(handover, {"username": "sachbearbeitung.a"}))
        assert 'id="handover_confirm_error"' in html
        response = client.post(handover, {"username": "sachbearbeitung.a", "confirm": "on"})
        assert response.status_code == 302 and response["Location"] == reverse("alliances:directory")
        assert list(
            AllianceRole.objects.filter(alliance=alliance).values_list("user__username", flat=True)
        ) == ["sachbearbeitung.a"]
        assert client.get(alliance.get_absolute_url()).status_code == 404  # no longer an insider
        entries = AuditEntry.objects.filter(
            alliance_id=alliance.pk, action__startswith="alliance.coordinator"
        )
        assert entries.count() == 4


class TestGermanNumbers:
    @pytest.mark.parametrize(
        ("typed", "stored"), [("6.500,00", "6500.00"), ("1.250", "1250.00"), ("321.411,61", "321411.61")]
    )
    def test_the_reported_grant_accepts_german_amounts(self, alliance, world, typed, stored):
        from decimal import Decimal

        response = client_for(world.coordinator).post(
            reverse("alliances:edit", args=["cyber"]),
            {"name": alliance.name, "legal_form": LegalForm.NONE, "reported_grant_eur": typed},
        )
        assert response.status_code == 302, response.content[:500]
        alliance.refresh_from_db()
        assert alliance.reported_grant_eur == Decimal(stored)
        html = page(client_for(world.coordinator).get(reverse("alliances:edit", args=["cyber"])))
        assert re.search(
            r'id="id_reported_grant_eur"[^>]*value="[0-9.]+,[0-9]{2}"|value="[0-9.]+,[0-9]{2}"[^>]*id="id_reported_grant_eur"',
            html,
        )

    def test_a_wrong_amount_is_shown_at_the_field(self, alliance, world):
        html = page(
            client_for(world.coordinator).post(
                reverse("alliances:edit", args=["cyber"]),
                {"name": alliance.name, "legal_form": LegalForm.NONE, "reported_grant_eur": "viel"},
            )
        )
        assert 'id="id_reported_grant_eur_error"' in html

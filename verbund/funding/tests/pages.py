"""The funding pages for the site-wide guard tests (``verbund/web/tests/test_guards.py``): each entry
builds what its page needs around the guard's ``body`` fixture (an Ortsgemeinde in a VG) and returns
the URL, or ``(url, user)`` for a page behind the login."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.alliances.tests.factories import AllianceFactory
from verbund.registry.tests.factories import BodyFactory

from .. import services, workflow
from ..models import Application
from .factories import TEST_ACTOR, ProgrammeFactory, draft_application, fill_draft


def _world(body: Any) -> dict[str, Any]:
    vg = body.parent
    others = [BodyFactory.create(verbandsgemeinde=True, parent=vg.parent) for _ in range(2)]
    alliance = AllianceFactory.create(members=[vg, *others], published=True)
    programme = ProgrammeFactory.create()
    head = UserFactory.create(head_of=vg)
    authority = UserFactory.create()
    RoleAssignmentFactory.create(user=authority, role=Role.BEWILLIGUNGSBEHOERDE)
    draft = fill_draft(draft_application(programme=programme, alliance=alliance, applicant=vg))
    return {
        "programme": programme,
        "alliance": alliance,
        "vg": vg,
        "head": head,
        "authority": authority,
        "draft": draft,
    }


def _granted(body: Any) -> dict[str, Any]:
    world = _world(body)
    other = ProgrammeFactory.create()
    application = fill_draft(
        draft_application(programme=other, alliance=world["alliance"], applicant=world["vg"])
    )
    Application.objects.filter(pk=application.pk).update(
        status=workflow.IN_PRUEFUNG, submitted_at=timezone.now()
    )
    application.refresh_from_db()
    services.application_grant(
        actor=TEST_ACTOR,
        application=application,
        amounts_by_year={2025: "100000.00", 2026: "100000.00"},
        notify=False,
    )
    return {**world, "granted": application}


def _in_review(body: Any) -> dict[str, Any]:
    world = _world(body)
    Application.objects.filter(pk=world["draft"].pk).update(
        status=workflow.IN_PRUEFUNG, submitted_at=timezone.now()
    )
    return world


FUNDING_PAGES: dict[str, Callable[[Any], Any]] = {
    "funding_index": lambda body: "/foerderung/",
    "funding_programme": lambda body: _world(body)["programme"].get_absolute_url(),
    "funding_application_list": lambda body: ("/foerderung/antraege/", _world(body)["head"]),
    "funding_application_create": lambda body: ("/foerderung/antraege/neu/", _world(body)["head"]),
    "funding_application_draft": lambda body: (lambda w: (w["draft"].get_absolute_url(), w["head"]))(
        _world(body)
    ),
    "funding_application_edit": lambda body: (
        lambda w: (f"/foerderung/antraege/{w['draft'].pk}/bearbeiten/", w["head"])
    )(_world(body)),
    "funding_grant_form": lambda body: (
        lambda w: (f"/foerderung/antraege/{w['draft'].pk}/bewilligen/", w["authority"])
    )(_in_review(body)),
    "funding_application_granted": lambda body: (lambda w: (w["granted"].get_absolute_url(), w["head"]))(
        _granted(body)
    ),
    "funding_proof_form": lambda body: (
        lambda w: (f"/foerderung/antraege/{w['granted'].pk}/nachweis/", w["head"])
    )(_granted(body)),
    "funding_queue": lambda body: ("/foerderung/arbeitsvorrat/", _in_review(body)["authority"]),
    "funding_portfolio": lambda body: ("/foerderung/portfolio/", _granted(body)["authority"]),
    "funding_programme_create": lambda body: ("/foerderung/programme/neu/", _world(body)["authority"]),
    "funding_programme_edit": lambda body: (
        lambda w: (f"/foerderung/programme/{w['programme'].slug}/bearbeiten/", w["authority"])
    )(_world(body)),
}

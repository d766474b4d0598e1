"""``load_demo`` never over users' work: each part's demo data is loaded once per database (noted in
``web.DemoLoad``); a second run changes nothing people did since (a changed password, a renamed
alliance, a removed member, a moved status) and adds nothing twice; a part without a note (a module
added by an upgrade) is loaded. ``--if-default-database`` (``make run``) loads only into the default
SQLite file or with ``VERBUND_DEMO=1``. The registry is imported by the system actor "Demodaten"."""

from __future__ import annotations

from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command

from verbund.accounts.demo import DEMO_PASSWORD
from verbund.accounts.models import User
from verbund.alliances.models import Alliance, Membership
from verbund.audit.models import AuditEntry
from verbund.registry.models import Body
from verbund.web.management.commands import load_demo
from verbund.web.models import DemoLoad

pytestmark = pytest.mark.django_db

PART_LOADERS = {
    "accounts": "verbund.accounts.demo.ensure_demo_users",
    "alliances": "verbund.alliances.demo.load_demo_alliances",
    "funding": "verbund.funding.demo.load_demo_funding",
    "shared_services": "verbund.shared_services.demo.load_demo_shared_services",
    "planning": "verbund.planning.demo.load_demo_planning",
}


def _load() -> str:
    out, err = StringIO(), StringIO()
    call_command("load_demo", "--source", "sample", stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def _counts() -> dict[str, int]:
    from django.apps import apps

    labels = [
        "accounts.user",
        "accounts.roleassignment",
        "alliances.alliance",
        "alliances.membership",
        "funding.programme",
        "funding.application",
        "shared_services.sharedservice",
        "shared_services.settlement",
        "planning.scenario",
        "audit.auditentry",
        "registry.body",
    ]
    return {label: apps.get_model(label).objects.count() for label in labels}


def test_every_part_is_loaded_once_and_user_edits_survive_a_second_run() -> None:
    output = _load()
    assert set(DemoLoad.objects.values_list("part", flat=True)) == {p.name for p in load_demo.DEMO_PARTS}, (
        output
    )
    assert "betrieb" in output and DEMO_PASSWORD in output
    # The registry import is the system actor "Demodaten", not a string.
    imports = AuditEntry.objects.filter(action="registry.import")
    assert imports.exists() and set(imports.values_list("actor_label", "is_system")) == {("Demodaten", True)}

    # What people do with the demo data:
    betrieb = User.objects.get(username="betrieb")
    betrieb.set_password("ein-eigenes-passwort")
    betrieb.save()
    alliance = Alliance.objects.order_by("pk").first()
    assert alliance is not None
    Alliance.objects.filter(pk=alliance.pk).update(name="Umbenannter Verbund", status="beendet")
    removed = Membership.objects.filter(alliance=alliance).order_by("pk").first()
    assert removed is not None
    removed.delete()
    before = _counts()

    output = _load()

    betrieb.refresh_from_db()
    assert betrieb.check_password("ein-eigenes-passwort") and not betrieb.check_password(DEMO_PASSWORD)
    alliance.refresh_from_db()
    assert (alliance.name, alliance.status) == ("Umbenannter Verbund", "beendet")
    assert not Membership.objects.filter(alliance=alliance, body_id=removed.body_id).exists()
    assert _counts() == before
    assert "bereits geladen" in output


def test_a_part_without_a_note_is_loaded_and_only_that_part() -> None:
    _load()
    DemoLoad.objects.filter(part="planning").delete()
    before = _counts()
    spies = {}
    patches = []
    for part, target in PART_LOADERS.items():
        module_name, attr = target.rsplit(".", 1)
        module = __import__(module_name, fromlist=[attr])
        patch = mock.patch(target, wraps=getattr(module, attr))
        spies[part] = patch.start()
        patches.append(patch)
    try:
        _load()
    finally:
        for patch in patches:
            patch.stop()
    assert {part for part, spy in spies.items() if spy.called} == {"planning"}
    assert DemoLoad.objects.filter(part="planning").exists()
    # The planning loader leaves its existing demo plans alone: nothing twice.
    assert _counts()["planning.scenario"] == before["planning.scenario"]


def test_a_part_that_fails_is_not_noted_and_leaves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from verbund.common.errors import Invalid

    def refuse(stdout: Any, stderr: Any) -> Any:
        User.objects.create(username="halb-angelegt")
        raise Invalid("Demo kaputt.")

    part = load_demo.DemoPart("kaputt", "Kaputt", refuse)
    monkeypatch.setattr(load_demo, "DEMO_PARTS", (part,))
    output = _load()
    assert "Demodaten Kaputt nicht geladen: Demo kaputt." in output
    assert not DemoLoad.objects.filter(part="kaputt").exists()
    assert not User.objects.filter(username="halb-angelegt").exists()


@pytest.mark.parametrize(
    ("database_url", "demo", "wanted"),
    [
        (None, None, True),
        ("", None, True),
        ("postgres://verbund@127.0.0.1:5432/verbund", None, False),
        ("postgres://verbund@127.0.0.1:5432/verbund", "0", False),
        ("postgres://verbund@127.0.0.1:5432/verbund", "1", True),
        ("sqlite:////srv/other.sqlite3", None, False),
    ],
)
def test_demo_only_into_the_default_database_or_when_asked(
    monkeypatch: pytest.MonkeyPatch, database_url: str | None, demo: str | None, wanted: bool
) -> None:
    for name, value in (("DATABASE_URL", database_url), ("VERBUND_DEMO", demo)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert load_demo.demo_wanted() is wanted


def test_if_default_database_skips_a_named_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://verbund@127.0.0.1:5432/verbund")
    monkeypatch.delenv("VERBUND_DEMO", raising=False)
    out = StringIO()
    call_command("load_demo", "--source", "sample", "--if-default-database", stdout=out)
    assert "VERBUND_DEMO=1 make run" in out.getvalue()
    assert not Body.objects.exists() and not DemoLoad.objects.exists() and not User.objects.exists()


def test_parts_run_once_and_a_new_part_is_added(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bookkeeping alone, with stand-in parts: a second run runs none; a part added later (an
    upgrade) runs once; the logins of every loaded part are printed while their users exist."""
    calls: list[str] = []

    def part(name: str, logins: list[tuple[str, str, str]]) -> load_demo.DemoPart:
        def load(stdout: Any, stderr: Any) -> list[tuple[str, str, str]]:
            calls.append(name)
            for username, _password, _description in logins:
                User.objects.create_user(username=username, password=DEMO_PASSWORD)
            return logins

        return load_demo.DemoPart(name, name.title(), load)

    first = part("eins", [("demo.eins", DEMO_PASSWORD, "Erste Rolle")])
    monkeypatch.setattr(load_demo, "DEMO_PARTS", (first,))
    assert "demo.eins  Erste Rolle" in _load()
    assert "demo.eins  Erste Rolle" in _load()
    assert calls == ["eins"]
    second = part("zwei", [("demo.zwei", DEMO_PASSWORD, "Zweite Rolle")])
    monkeypatch.setattr(load_demo, "DEMO_PARTS", (first, second))
    output = _load()
    assert calls == ["eins", "zwei"]
    assert "demo.eins  Erste Rolle" in output and "demo.zwei  Zweite Rolle" in output
    User.objects.filter(username="demo.eins").update(is_active=False)
    assert "demo.eins" not in _load()
    assert calls == ["eins", "zwei"]

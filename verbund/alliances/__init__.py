"""Kooperationsverbünde (alliances), floor 1: the core object everything later belongs to.

The public face of this part (views, exports, demo data and the parts above use only these):

Rules (:mod:`.policies`)
    ``COORDINATOR`` grant kind, ``coordinates``, ``may_create``, ``may_change``, ``visibility_filter``,
    ``is_insider``, ``may_see``, ``may_change_alliance``, ``may_confirm_membership``,
    ``may_upload_resolution``, ``may_read_documents``; the system capability ``MANAGE``.
Reads (:mod:`.selectors`)
    ``Alliance.objects.visible_to(principal)``; ``access_alliance(principal, slug_or_id, need=…)``
    (404 invisible-or-missing, 403 visible but not allowed); ``alliance_list(principal, field=,
    status=, kreis=, member=, q=)``, ``alliance_public_data``, ``current_memberships``,
    ``membership_history``, ``alliance_timeline``, ``alliance_documents``, ``alliances_of_body``,
    ``coordinators_of``, ``is_insider_of``; ``alliance_facts(alliance)`` / ``facts_for_bodies(bodies)``.
Writes (:mod:`.services`, all ``actor: Actor``)
    ``alliance_create``, ``alliance_update``, ``alliance_publish``/``_unpublish``,
    ``alliance_transition``, ``member_add``, ``member_remove``, ``member_set_role``,
    ``membership_confirm``, ``agreement_attach``, ``resolution_record``,
    ``coordinator_assign``/``_revoke``/``_handover``.
Pure computation (no Django)
    :mod:`.lifecycle` (the lifecycle as a state machine, and why a step is not allowed),
    :mod:`.facts` (derived facts with reasoning).
"""

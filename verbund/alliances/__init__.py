"""Kooperationsverbünde (alliances), floor 1: the core object everything later belongs to.

The public face of this part (views, exports, demo data and the parts above use only these):

Reads and access (:mod:`.access`, :mod:`.selectors`, :mod:`.documents`)
    ``Alliance.objects.visible_to(user)``; ``access_alliance(user, slug_or_id, for_change=False)``
    (404 when invisible, 403 when visible but not changeable); ``access_alliance_internal`` (404
    for public viewers: documents, timeline); ``can_change``, ``can_confirm_membership``,
    ``can_upload_resolution``, ``can_read_documents``, ``viewer_is_insider``;
    ``alliance_list(user, field=, status=, kreis=, member=, q=)``, ``alliance_public_data``,
    ``current_memberships``, ``membership_history``, ``alliance_timeline``, ``alliance_documents``,
    ``alliances_of_body``; ``alliance_facts(alliance)`` / ``facts_for_bodies(bodies)``;
    ``open_document(user, document)``, ``access_agreement``, ``access_resolution``.
Writes (:mod:`.services`)
    ``alliance_create``, ``alliance_update``, ``alliance_publish``/``_unpublish``,
    ``alliance_transition``, ``member_add``, ``member_remove``, ``member_set_role``,
    ``membership_confirm``, ``agreement_attach``, ``resolution_record``,
    ``coordinator_assign``/``_revoke``.
Pure computation (no Django)
    :mod:`.lifecycle` (allowed transitions and why not), :mod:`.facts` (derived facts with reasoning).
"""

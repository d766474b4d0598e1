"""Förderung (funding), floor 2: programmes, rule sets, applications, grant notices, drawdowns and
proof of use. See docs/funding.md.

The public face of this part:

Pure computation (no Django)
    :mod:`.rules` — rule sets as data (``RuleSet.from_dict``/``to_dict``, ``PRESETS``), the checks
    (``run_checks``) with German explanations, ``compute_cap``, ``settle`` (proof of use), money
    formatting (``eur``); :mod:`.workflow` — the state machine of an application.
Rules of access (:mod:`.policies`)
    Pure predicates over a :class:`~verbund.common.principal.Principal`: ``is_authority``,
    ``may_decide``, ``reads_portfolio``, ``may_draft``, ``may_sign``, ``visibility_filter``; the
    system capability ``funding.manage`` (:data:`.policies.MANAGE`).
Reads (:mod:`.selectors`)
    ``Application.objects.visible_to(principal)``; ``access_application(principal, pk, need=…)``
    (404 when invisible, 403 when visible but not allowed), ``access_drawdown``, ``access_proof``,
    ``access_programme``; ``application_checks``, ``application_facts``, ``budget_overview``,
    ``portfolio``, ``work_queue``.
Writes (:mod:`.services`, a package by concern; every service takes ``actor: Actor``)
    ``programme_create``/``_update``, ``programme_year_set``; ``application_create``, ``_update``,
    ``_attach``, ``_submit``, ``_withdraw``, ``_review``, ``_request_info``, ``info_request_answer``,
    ``application_resubmit``, ``_grant``, ``_reject``; ``drawdown_request``/``_approve``/``_return``;
    ``use_proof_submit``/``_accept``/``_return``.
Demo data
    :func:`verbund.funding.demo.load_demo_funding`.
"""

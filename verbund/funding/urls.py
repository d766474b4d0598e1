"""Pages of the funding part under ``/foerderung/``."""

from django.urls import path

from . import views

app_name = "funding"
urlpatterns = [
    path("", views.index, name="index"),
    path("programme/neu/", views.programme_create, name="programme_create"),
    path("programme/<slug:slug>/", views.programme_detail, name="programme_detail"),
    path("programme/<slug:slug>/bearbeiten/", views.programme_edit, name="programme_edit"),
    path("programme/<slug:slug>/bescheidvorlage/", views.notice_template_edit, name="notice_template_edit"),
    path("antraege/", views.application_list_view, name="application_list"),
    path("antraege/neu/", views.application_create, name="application_create"),
    path("antraege/<int:pk>/", views.application_detail, name="application_detail"),
    path("antraege/<int:pk>/bearbeiten/", views.application_edit, name="application_edit"),
    path("antraege/<int:pk>/pruefen/", views.application_check, name="application_check"),
    path("antraege/<int:pk>/aktion/<slug:action>/", views.application_action, name="application_action"),
    path("antraege/<int:pk>/rueckfrage/", views.application_request_info, name="application_request_info"),
    path("antraege/<int:pk>/rueckfrage/<int:info_pk>/antwort/", views.info_answer, name="info_answer"),
    path("antraege/<int:pk>/bewilligen/", views.application_grant, name="application_grant"),
    path("antraege/<int:pk>/ablehnen/", views.application_reject, name="application_reject"),
    path(
        "antraege/<int:pk>/vorzeitiger-beginn/",
        views.premature_start_approve,
        name="premature_start_approve",
    ),
    path(
        "antraege/<int:pk>/vorzeitiger-beginn/widerruf/",
        views.premature_start_withdraw,
        name="premature_start_withdraw",
    ),
    path("antraege/<int:pk>/bescheid.pdf", views.grant_pdf, name="grant_pdf"),
    path("antraege/<int:pk>/anlagen/", views.attachment_add, name="attachment_add"),
    path(
        "antraege/<int:pk>/anlagen/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("antraege/<int:pk>/abrufe/", views.drawdown_request, name="drawdown_request"),
    path("antraege/<int:pk>/nachweis/", views.proof_submit, name="proof_submit"),
    path("abrufe/<int:pk>/entscheiden/", views.drawdown_decide, name="drawdown_decide"),
    path("nachweise/<int:pk>/entscheiden/", views.proof_decide, name="proof_decide"),
    path("arbeitsvorrat/", views.queue, name="queue"),
    path("portfolio/", views.portfolio_view, name="portfolio"),
    path("export/bewilligungen.csv", views.export_csv, name="export_csv"),
    path("export/bewilligungen.xlsx", views.export_xlsx, name="export_xlsx"),
    path("export/transparenz.csv", views.export_transparency, name="export_transparency"),
]

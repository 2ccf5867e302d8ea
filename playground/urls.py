from django.contrib import admin
from django.urls import include, path

from .views import files, pages, panes, runs

urlpatterns = [
    path("", pages.index, name="index"),
    path("sessions/", pages.session_list, name="sessions"),
    path("sessions/new/", pages.session_new, name="session_new"),
    path("sessions/<uuid:session_id>/", pages.session_detail, name="session"),
    path("sessions/<uuid:session_id>/rename/", pages.session_rename, name="session_rename"),
    path("sessions/<uuid:session_id>/delete/", pages.session_delete, name="session_delete"),
    path("sessions/<uuid:session_id>/estimate/", panes.estimate, name="estimate"),
    path(
        "sessions/<uuid:session_id>/panes/<int:pane_id>/settings/",
        panes.pane_settings,
        name="pane_settings",
    ),
    path(
        "sessions/<uuid:session_id>/panes/<int:pane_id>/branch/",
        panes.pane_branch,
        name="pane_branch",
    ),
    path("sessions/<uuid:session_id>/runs/<uuid:run_id>/code/", runs.run_code, name="run_code"),
    path("attachments/", files.attachment_upload, name="attachment_upload"),
    path("attachments/<uuid:attachment_id>/", files.attachment_content, name="attachment"),
    path("admin/", admin.site.urls),
    path("", include("playground.accounts.urls")),
]

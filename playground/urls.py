from django.contrib import admin
from django.urls import include, path, register_converter

from .views import compare, files, pages, panes, runs, sharing, transfer


class ExportFormat:
    """The file formats a session exports to."""

    regex = "json|md"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportFormat, "fmt")

handler400 = "playground.views.errors.bad_request"

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
    path("sessions/<uuid:session_id>/panes/add/", compare.pane_add, name="pane_add"),
    path(
        "sessions/<uuid:session_id>/panes/<int:pane_id>/duplicate/",
        compare.pane_duplicate,
        name="pane_duplicate",
    ),
    path(
        "sessions/<uuid:session_id>/panes/<int:pane_id>/remove/",
        compare.pane_remove,
        name="pane_remove",
    ),
    path(
        "sessions/<uuid:session_id>/panes/<int:pane_id>/move/", compare.pane_move, name="pane_move"
    ),
    path(
        "sessions/<uuid:session_id>/panes/<int:pane_id>/copy-to-all/",
        compare.pane_copy_to_all,
        name="pane_copy_to_all",
    ),
    path("sessions/<uuid:session_id>/presets/", compare.panes_preset, name="panes_preset"),
    path("sessions/<uuid:session_id>/compare/", compare.session_compare, name="session_compare"),
    path(
        "sessions/<uuid:session_id>/rounds/<uuid:round_id>/prefer/",
        compare.round_preferred,
        name="round_preferred",
    ),
    path("sessions/<uuid:session_id>/diff/", compare.runs_diff, name="runs_diff"),
    # Library: duplicate, export, import.
    path("sessions/import/", transfer.session_import_file, name="session_import"),
    path(
        "sessions/<uuid:session_id>/duplicate/",
        transfer.session_duplicate,
        name="session_duplicate",
    ),
    path(
        "sessions/<uuid:session_id>/export.<fmt:fmt>",
        transfer.session_export_file,
        name="session_export",
    ),
    # Share links: the owner's dialog, and what a link opens.
    path("sessions/<uuid:session_id>/shares/", sharing.shares, name="shares"),
    path("sessions/<uuid:session_id>/shares/new/", sharing.share_new, name="share_new"),
    path(
        "sessions/<uuid:session_id>/shares/<uuid:share_id>/revoke/",
        sharing.share_revoke_link,
        name="share_revoke",
    ),
    path(
        "sessions/<uuid:session_id>/shares/<uuid:share_id>/regenerate/",
        sharing.share_regenerate_link,
        name="share_regenerate",
    ),
    path("s/<str:token>/", sharing.shared_session, name="shared"),
    path("s/<str:token>/fork/", sharing.shared_fork, name="shared_fork"),
    path("s/<str:token>/export.<fmt:fmt>", sharing.shared_export, name="shared_export"),
    path("robots.txt", sharing.robots, name="robots"),
    path("attachments/", files.attachment_upload, name="attachment_upload"),
    path("attachments/<uuid:attachment_id>/", files.attachment_content, name="attachment"),
    path("admin/", admin.site.urls),
    path("", include("playground.accounts.urls")),
]

from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/<uuid:session_id>/", views.session_detail, name="session"),
    path("panel/", views.settings_panel, name="settings_panel"),
    path("estimate/", views.estimate, name="estimate"),
    path("attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<uuid:attachment_id>/", views.attachment_content, name="attachment"),
    path("runs/<uuid:run_id>/code/", views.run_code, name="run_code"),
]

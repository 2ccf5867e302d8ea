from django.urls import path

from .views import auth, keys, usage

urlpatterns = [
    path("signup/", auth.signup, name="signup"),
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("account/", auth.account, name="account"),
    path("account/delete/", auth.account_close, name="account_close"),
    path("account/password/", auth.password_change, name="password_change"),
    path("account/password/reset/", auth.password_reset, name="password_reset"),
    path("account/password/reset/sent/", auth.password_reset_done, name="password_reset_done"),
    path(
        "account/password/reset/<uidb64>/<token>/",
        auth.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "account/password/reset/done/",
        auth.password_reset_complete,
        name="password_reset_complete",
    ),
    path("account/keys/", keys.keys_page, name="keys"),
    path("account/keys/<str:provider_id>/", keys.key_save, name="key_save"),
    path("account/keys/<str:provider_id>/check/", keys.key_check_view, name="key_check"),
    path("account/keys/<str:provider_id>/delete/", keys.key_delete_view, name="key_delete"),
    path("usage/", usage.usage_page, name="usage"),
    path("usage/runs.csv", usage.usage_csv, name="usage_csv"),
    path("usage/budget/", usage.budget_save, name="budget_save"),
]

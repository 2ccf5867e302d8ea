"""Account pages: sign-up and log-in (auth.py), API keys (keys.py), usage and budget (usage.py).

Views a visitor must reach without an account, even when PLAYGROUND_REQUIRE_LOGIN=1, are marked
with `public` (middleware.RequireLogin reads the mark).
"""


def public(view):
    view.login_exempt = True
    return view

"""People, their provider keys, what they spent and how much they may spend.

Sign-up, log-in and passwords are Django's auth; this package adds what a shared playground
needs on top: anonymous sessions that follow their browser into an account, provider keys
encrypted at rest (keys.py, crypto.py), a rate limit on log-in (throttle.py), a usage page
(usage.py, chart.py) and monthly budgets that concurrent runs cannot overshoot (budgets.py).
"""

"""The built-in provider simulator: a raw ASGI app speaking Chat Completions, Responses and
Anthropic Messages offline (no Django imports here except mount.py).

Entry points: `app.create_app(app.SimulatorConfig(...))`, mounted under /simulator/v1 by mount.py
and served alone by `manage.py simulate`. Per-request speed, faults, gates, key and prompt
echoes: see directive.py (gates: gates.py).
"""

"""`manage.py check` (and migrate) says so when the key encryption setting is unusable."""

from django.core.checks import Error, register

from .crypto import KeyConfigError, fernet


@register()
def key_encryption_keys(app_configs, **kwargs):
    try:
        fernet()
    except KeyConfigError as error:
        return [
            Error(
                str(error),
                hint="Generate one with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`.",
                id="accounts.E001",
            )
        ]
    return []

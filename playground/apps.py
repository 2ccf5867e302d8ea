import sys

from django.apps import AppConfig


class PlaygroundConfig(AppConfig):
    name = "playground"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .catalog import CatalogError, get_catalog

        try:
            get_catalog()
        except CatalogError as error:
            # One clear line, no traceback: the message names the file, the entry and the field.
            sys.stderr.write(f"Catalog error: {error}\n")
            raise SystemExit(2) from None
        from . import sharing

        sharing.connect_signals()

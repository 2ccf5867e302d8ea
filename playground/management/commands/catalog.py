import json

from django.core.management.base import BaseCommand

from playground.catalog import get_catalog
from playground.catalog.export import catalog_as_json


class Command(BaseCommand):
    help = "Print the effective model catalog (built-in + PLAYGROUND_CATALOG)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the catalog as JSON")

    def handle(self, *args, **options):
        catalog = get_catalog()
        if options["json"]:
            self.stdout.write(json.dumps(catalog_as_json(catalog), indent=2))
            return
        rows = [
            ("PROVIDER", "MODEL", "CONTEXT", "MAX OUT", "INPUT $/1M", "OUTPUT $/1M", "DIALECTS")
        ]
        for model in catalog.models.values():
            tiers = model.pricing.tiers
            rows.append(
                (
                    model.provider,
                    model.id,
                    f"{model.context_window:,}",
                    f"{model.max_output_tokens:,}",
                    " / ".join(str(t.input) for t in tiers),
                    " / ".join(str(t.output) for t in tiers),
                    ",".join(model.dialects),
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())

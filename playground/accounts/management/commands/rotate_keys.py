"""Re-encrypt every stored provider key with the first key of PLAYGROUND_KEY_ENCRYPTION_KEYS.

Rotation: put a new key in front (NEW,OLD), run this, then drop OLD. Idempotent: a second run
re-encrypts the same keys again and reports the same counts. A key no configured key opens is
left as it is and counted; its owner must enter it again.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from playground.accounts.crypto import KeyConfigError, KeyUnreadable, reseal
from playground.accounts.models import ProviderKey


class Command(BaseCommand):
    help = "Re-encrypt stored provider keys with the first PLAYGROUND_KEY_ENCRYPTION_KEYS key."

    def handle(self, *args, **options):
        done = unreadable = 0
        try:
            with transaction.atomic():
                for row in ProviderKey.objects.select_for_update().only("pk", "ciphertext"):
                    try:
                        row.ciphertext = reseal(row.ciphertext)
                    except KeyUnreadable:
                        unreadable += 1
                        continue
                    row.save(update_fields=["ciphertext"])
                    done += 1
        except KeyConfigError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Re-encrypted {done} key(s); {unreadable} could not be decrypted.")
        if unreadable:
            self.stdout.write("Their owners must enter those keys again (API keys page).")

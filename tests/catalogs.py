"""User catalogs the tests load: a real (non-simulated) provider that needs a key, pointed at
a loopback upstream by `{base}`."""

KEYED = """
[[providers]]
id = "keyed"
name = "Keyed endpoint"
base_url = "{base}"
key_env = "KEYED_ENDPOINT_API_KEY"

[providers.dialects.chat]
path = "/chat/completions"
auth = "bearer"

[[models]]
id = "seed-2-0-mini"
provider = "keyed"
name = "Seed 2.0 Mini (keyed endpoint)"
context_window = 256000
max_output_tokens = 128000
param_set = "empiriolabs_seed2"

[models.pricing]
tiers = [{{ input = "0.12", output = "0.50" }}]
"""

# The same provider with all three dialects (messages with x-api-key auth).
KEYED_DIALECTS = """
[[providers]]
id = "keyed"
name = "Keyed endpoint"
base_url = "{base}"
key_env = "KEYED_ENDPOINT_API_KEY"

[providers.dialects.chat]
path = "/chat/completions"
auth = "bearer"

[providers.dialects.responses]
path = "/responses"
auth = "bearer"

[providers.dialects.messages]
path = "/messages"
auth = "x-api-key"

[[models]]
id = "seed-2-0-mini"
provider = "keyed"
name = "Seed 2.0 Mini (keyed endpoint)"
context_window = 256000
max_output_tokens = 128000
param_set = "empiriolabs_seed2"

[models.pricing]
tiers = [{{ input = "0.12", output = "0.50" }}]
"""

"""A user catalog with one provider whose key comes from KEYED_ENDPOINT_API_KEY, served by the
simulator at `{base}`: a real provider's code path (key, auth header, recorded request) with no
network."""

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

"""Server-owned runs: each is an asyncio task that streams from the provider, coalesces deltas
into a few dozen htmx fragments per second, broadcasts them to a Channels group, and records the
result and its cost. The task belongs to the server, not to the socket that started it."""

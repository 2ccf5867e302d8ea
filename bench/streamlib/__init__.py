"""Shared parts of the streaming benchmarks (bench/stream_load.py, bench/soak.py): the servers
they start, a browser-like websocket client, a direct upstream reader, /proc accounting,
statistics and reporting."""

"""How many PostgreSQL connections the app's database has open, sampled in a thread: the
stack's workers keep one per thread that touched the database, and PostgreSQL refuses
connections past max_connections ("sorry, too many clients already")."""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import psycopg

COUNT = "select count(*) from pg_stat_activity where datname = %s"


class ConnectionWatch:
    def __init__(self, database_url: str, *, period: float = 0.5):
        parts = urlsplit(database_url)
        self.database = parts.path.lstrip("/")
        self.server_url = parts._replace(path="/postgres").geturl()
        self.period, self.samples = period, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with psycopg.connect(self.server_url, autocommit=True) as connection:
            while not self._stop.is_set():
                self.samples.append(connection.execute(COUNT, (self.database,)).fetchone()[0])
                self._stop.wait(self.period)

    def start(self) -> ConnectionWatch:
        self._thread.start()
        return self

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join()
        with psycopg.connect(self.server_url) as connection:
            limit = connection.execute("show max_connections").fetchone()[0]
        return {"peak": max(self.samples, default=0), "max_connections": int(limit)}

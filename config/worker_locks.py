"""A background job's advisory lock, which tells a dead worker from a slow one.

The worker holds the lock on a PostgreSQL connection of its own, in autocommit, so that
it outlives the job's transaction and dies with the process: killed, out of memory or
past Celery's hard time limit, PostgreSQL drops the connection and the lock with it.
A job marked running whose lock nobody holds has lost its worker. SQLite has no such
lock: there every job counts as alive (`held` is False, `hold` always succeeds).

Each kind of job has its own namespace number (the staff import's, the target
import's), and the job's primary key is the lock's second key.
"""

import contextlib

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections


class WorkerLock:
    def __init__(self, namespace: int, key: int):
        self.namespace, self.key = namespace, key
        self.side = None  # the connection holding the lock, PostgreSQL only
        if connection.vendor == "postgresql":
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)

    def hold(self) -> bool:
        """Take the lock; False when another process holds it (runs this job now)."""
        if self.side is None:
            return True
        with self.side.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [self.namespace, self.key])
            return bool(cursor.fetchone()[0])

    def close(self) -> None:
        """Let go of the lock, then of its connection.

        The unlock is explicit because closing a connection only asks the server to end
        its session: for a moment afterwards the lock still shows as held, and a
        recovery check run then would take a finished worker for a live one.
        """
        if self.side is None:
            return
        try:
            # A broken connection has let go of its lock already.
            with contextlib.suppress(DatabaseError), self.side.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [self.namespace, self.key])
        finally:
            self.side.close()


def held(namespace: int, key: int) -> bool:
    """Whether a live process holds the job's lock (always False on SQLite)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
            "AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 2)",
            [namespace, key],
        )
        return bool(cursor.fetchone()[0])

# Whether an index on the events' type pays: file size, write time and the time of the type-filtered read
# (SqliteTraceStore.EventsSql with types: QueryEventsAsync with Types, GetEventsAsync(id, types)) without and with
# ix_events_type (session_id, type, seq). Usage: python3 event_type_index.py [sessions] [events a session].
# One long session of 200,000 events is added. CPU time (process_time) of this process; reads are medians.
import sqlite3, sys, time, os, statistics, json, random
S = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
E = int(sys.argv[2]) if len(sys.argv) > 2 else 20
TYPES = ["message.user", "message.assistant", "tool.call", "tool.result", "model.call", "note"]
def build(indexed):
    path = f"/tmp/event-type-{int(indexed)}.db"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix): os.remove(path + suffix)
    c = sqlite3.connect(path); c.execute("PRAGMA journal_mode=WAL"); c.execute("PRAGMA synchronous=NORMAL")
    c.executescript("""CREATE TABLE events (session_id TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL, type TEXT NOT NULL,
        payload TEXT NOT NULL, PRIMARY KEY (session_id, seq)) WITHOUT ROWID;""")
    if indexed: c.execute("CREATE INDEX ix_events_type ON events (session_id, type, seq)")
    r = random.Random(3); payload = json.dumps({"kind": "x", "text": "y" * 250})
    t = time.process_time()
    for s in range(S):
        sid = f"ses_{r.getrandbits(128):032x}"
        rows = [(sid, q + 1, q, "memory.injected" if q == 0 else TYPES[q % len(TYPES)], payload) for q in range(E)]
        c.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", rows)
        if s % 100 == 99: c.commit()
    c.commit(); write = time.process_time() - t
    c.executemany("INSERT INTO events VALUES ('long', ?, ?, ?, ?)", [(q + 1, q, "memory.injected" if q % 50_000 == 0 else TYPES[q % len(TYPES)], payload) for q in range(200_000)])
    c.commit(); c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ids = [row[0] for row in c.execute("SELECT DISTINCT session_id FROM events LIMIT 1000")]
    sql = "SELECT seq, ts, payload FROM events WHERE session_id = ? AND type IN (SELECT value FROM json_each(?)) ORDER BY seq LIMIT -1"
    types = json.dumps(["memory.injected"])
    def timed(f, n):
        out = []
        for _ in range(n):
            t = time.process_time(); f(); out.append((time.process_time() - t) * 1000)
        return statistics.median(out)
    short = timed(lambda: [c.execute(sql, (i, types)).fetchall() for i in ids], 5) / len(ids)
    long_ = timed(lambda: c.execute(sql, ("long", types)).fetchall(), 5)
    plan = " | ".join(row[3] for row in c.execute("EXPLAIN QUERY PLAN " + sql, ("long", types)))
    c.close()
    print(f"index={indexed} | {S} sessions x {E} events | file {os.path.getsize(path) / 1e6:.1f} MB | write {write * 1e6 / (S * E):.1f} us/event "
          f"| memory.injected of a {E}-event session {short:.3f} ms | of the 200,000-event session {long_:.1f} ms | {plan}")
for indexed in (False, True):
    build(indexed)

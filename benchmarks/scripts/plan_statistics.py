# Does a SQLite store file plan its reads better with statistics? Builds a file with the store's schema (the migrations
# and ensured indexes, parsed from the source), fills it (SESSIONS sessions, default 50,000, with EVENTS events each,
# default 20; RUNS dream runs, default 40,000, and one stuck), then shows each read's plan and time (best of five) with no
# statistics, after PRAGMA optimize=0x10002 (analysis_limit 400) and after a full ANALYZE, flagging a plan that differs.
# Usage: python3 plan_statistics.py WORKTREE FILE
import sqlite3, sys, re, random, uuid, time, os, json
wt, path = sys.argv[1], sys.argv[2]
if os.path.exists(path): os.remove(path)
src = open(f"{wt}/src/Dreaming.Sqlite/SqliteSchema.cs").read()
migrations = re.findall(r'"""\n(.*?)"""', src[src.index('Migrations ='):], re.S)
ens = open(f"{wt}/src/Dreaming.Sqlite/SqliteSchema.Ensured.cs").read()
c = sqlite3.connect(path)
for m in migrations: c.executescript(m)
c.executescript("ALTER TABLE sessions ADD COLUMN change_no INTEGER; ALTER TABLE dream_runs ADD COLUMN min_scopes INTEGER;")
c.executescript("CREATE TABLE IF NOT EXISTS webhook_unrouted (event_id TEXT NOT NULL PRIMARY KEY REFERENCES webhook_events (id), created_ms INTEGER NOT NULL);")
for name, on in re.findall(r'\("(ix_[a-z_]+)", "([^"]+)"\)', ens):
    c.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {on}")
for name in ["ix_sessions_started", "ix_sessions_agent_started"]: c.execute(f"DROP INDEX IF EXISTS {name}")
print("migrations", len(migrations), "indexes", [r[0] for r in c.execute("select name from sqlite_master where type='index' and name not like 'sqlite_%'")])
r = random.Random(7); n = int(os.environ.get("SESSIONS", "50000")); ev = int(os.environ.get("EVENTS", "20"))
end = 1_764_000_000_000; start = end - 90 * 86400_000; step = 90 * 86400_000 // n
rows = []; events = []
for i in range(n):
    s = start + step * i; a = r.randrange(40); roll = r.randrange(100)
    status = 1 if roll < 90 else 2 if roll < 97 else 3
    label = 'failure' if status == 2 else None if status == 3 else 'success' if roll < 63 else 'failure' if roll < 76 else None
    sid = f"ses_{uuid.UUID(int=r.getrandbits(128)).hex}"
    parent = None if r.randrange(10) else f"ses_parent_{r.randrange(n // 10)}"
    rows.append((sid, f"agent-{a:02d}", f"team-{a % 8}" if a < 24 else None, "Help the customer", parent, status, s, s + 1000 * (5 + r.randrange(120)),
                 label, 0.9 if label == 'success' else 0.2 if label else None, 'rubric' if label else None, i + 1))
    for q in range(ev):
        events.append((sid, q, s + q, ["model.call", "tool.call", "tool.result", "message"][q % 4], '{"x":1}'))
c.executemany("INSERT INTO sessions (id, agent_id, agent_version, scope, task, parent_id, status, started_ms, ended_ms, input_tokens, output_tokens, cached_input_tokens, model_calls, cost_minor_units, memory_version_id, insight_ids, metadata, outcome_label, outcome_score, outcome_source, dropped_event_count, event_count, change_no) VALUES (?1, ?2, NULL, ?3, ?4, ?5, ?6, ?7, ?8, 6000, 600, 0, 5, 4, NULL, '[]', '{}', ?9, ?10, ?11, 0, 20, ?12)", rows)
c.executemany("INSERT INTO events VALUES (?,?,?,?,?)", events)
runs = []
for i in range(int(os.environ.get("RUNS", "40000"))):
    scope = f"agent:agent-{i % 40:02d}" if i % 3 else f"team:team-{i % 8}"
    st = 'completed' if i % 10 else 'failed'
    runs.append((f"dr-{i:08d}", scope, st, start + i * 60_000, start + i * 60_000 + 1, start + i * 60_000 + 30_000))
c.executemany("INSERT INTO dream_runs (id, scope, status, requested_ms, started_ms, ended_ms, max_sessions, min_sessions, review_mode, session_ids, stage_usage, report) VALUES (?,?,?,?,?,?,100,10,'auto','[]','[]','{}')", runs)
c.execute("INSERT INTO dream_runs (id, scope, status, requested_ms, started_ms, max_sessions, min_sessions, review_mode, lease_holder, lease_expires_ms, session_ids, stage_usage, report) VALUES ('dr-stuck', 'team:team-1', 'running', ?, ?, 100, 10, 'auto', 'h', ?, '[]','[]','{}')", (end, end, end + 600_000))
c.commit()
print("sessions", n, "events", len(events), "runs", len(runs))

one = c.execute("SELECT id FROM sessions LIMIT 1 OFFSET 777").fetchone()[0]
S = "SELECT * FROM sessions WHERE 1 = 1"
R = "SELECT * FROM dream_runs"
queries = {
 "sessions newest": (S + " ORDER BY started_ms DESC, id DESC LIMIT 101", {}),
 "sessions agent": (S + " AND agent_id = 'agent-03' ORDER BY started_ms DESC, id DESC LIMIT 101", {}),
 "sessions new agent + status": (S + " AND agent_id = 'new-agent' AND +status = 1 ORDER BY started_ms DESC, id DESC LIMIT 101", {}),
 "sessions status failed": (S + " AND status = 2 ORDER BY started_ms DESC, id DESC LIMIT 101", {}),
 "sessions status running (none)": (S + " AND status = 0 ORDER BY started_ms DESC, id DESC LIMIT 101", {}),
 "sessions outcome failure": (S + " AND outcome_label = 'failure' ORDER BY started_ms DESC, id DESC LIMIT 101", {}),
 "sessions outcome + status (left to SQLite)": (S + " AND status = 1 AND outcome_label = 'success' ORDER BY started_ms DESC, id DESC LIMIT 101", {}),
 "sessions scope": (S + " AND scope = 'team-3' ORDER BY started_ms DESC, id DESC LIMIT 101", {}),
 "sessions parent": (S + " AND parent_id = 'ses_parent_7' ORDER BY started_ms DESC, id DESC LIMIT 101", {}),
 "sessions ended since (global)": (S + f" AND ended_ms >= {end - 3600_000} AND +status <> 0 ORDER BY started_ms DESC, id DESC LIMIT 1001", {}),
 "sessions ended since (agent)": (S + f" AND agent_id = 'agent-05' AND ended_ms >= {end - 3600_000} AND +status <> 0 ORDER BY started_ms DESC, id DESC LIMIT 1001", {}),
 "sessions started window": (S + f" AND started_ms >= {end - 86400_000} AND started_ms < {end} ORDER BY started_ms, id LIMIT 101", {}),
 "sessions changed after (few)": (S + f" AND change_no > {n - 50} AND +agent_id = 'agent-05' ORDER BY +started_ms, +id LIMIT 1001", {}),
 "events of a session": (f"SELECT * FROM events WHERE session_id = '{one}' ORDER BY seq", {}),
 "events by type": (f"SELECT * FROM events WHERE session_id = '{one}' AND seq > 3 AND type = 'tool.call' ORDER BY seq LIMIT 100", {}),
 "runs of a scope": (R + " WHERE scope = 'agent:agent-05' ORDER BY requested_ms DESC, seq DESC LIMIT 1000", {}),
 "last completed": (R + " WHERE scope = 'agent:agent-05' AND status = 'completed' ORDER BY ended_ms DESC, seq DESC LIMIT 1", {}),
 "running of a scope": (R + " WHERE scope = 'team:team-1' AND status = 'running'", {}),
 "abandoned": (R + f" INDEXED BY ux_dream_runs_running WHERE status = 'running' AND lease_expires_ms <= {end + 10**9} ORDER BY seq", {}),
 "all runs": (R + " ORDER BY requested_ms DESC, seq DESC LIMIT 51", {}),
 "all running": (R + " WHERE status = 'running' ORDER BY requested_ms DESC, seq DESC LIMIT 51", {}),
 "all failed": (R + " WHERE status = 'failed' ORDER BY requested_ms DESC, seq DESC LIMIT 51", {}),
 "all failed after cursor": (R + f" WHERE status = 'failed' AND (requested_ms, seq) < ({start + 20000 * 60_000}, 20000) ORDER BY requested_ms DESC, seq DESC LIMIT 51", {}),
}
def run(label):
    out = {}
    for name, (sql, _) in queries.items():
        plan = " | ".join(row[3] for row in c.execute("EXPLAIN QUERY PLAN " + sql))
        best = 1e9
        for _ in range(5):
            t = time.perf_counter(); c.execute(sql).fetchall(); best = min(best, time.perf_counter() - t)
        out[name] = (plan, best * 1000)
    return out
before = run("no stats")
t = time.perf_counter(); c.execute("PRAGMA analysis_limit=400"); c.execute("PRAGMA optimize=0x10002"); opt_ms = (time.perf_counter() - t) * 1000
stat = c.execute("select count(*) from sqlite_master where name='sqlite_stat1'").fetchone()[0]
print(f"PRAGMA optimize=0x10002 with analysis_limit=400: {opt_ms:.1f} ms, sqlite_stat1 exists: {stat}")
after = run("optimize")
t = time.perf_counter(); c.execute("ANALYZE"); full_ms = (time.perf_counter() - t) * 1000
print(f"full ANALYZE: {full_ms:.1f} ms")
full = run("analyze")
for name in queries:
    (p0, t0), (p1, t1), (p2, t2) = before[name], after[name], full[name]
    flag = "" if p0 == p1 == p2 else "  <<< PLAN DIFFERS"
    print(f"{name}: {t0:.2f} ms / optimize {t1:.2f} ms / analyze {t2:.2f} ms{flag}")
    print(f"    none:    {p0}")
    if p1 != p0: print(f"    optimize:{p1}")
    if p2 != p0: print(f"    analyze: {p2}")

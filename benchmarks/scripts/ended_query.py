# Times the SQL SqliteSessionQuery sends for the scheduler's count (EndedFrom, newest first, pages of 1,000, all pages)
# on a copy of the scale file, with the indexes given (CPU time, medians of five after one). Usage: python3 ended_query.py
# FILE old|new [ids]: "ids" reads only the first 8 columns of each row (less of the time is Python making rows).
import sqlite3, sys, time, statistics
path, variant = sys.argv[1], sys.argv[2]
c = sqlite3.connect(path)
names = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='index'")}
if variant == 'old':
    c.executescript("DROP INDEX IF EXISTS ix_sessions_started_ended; DROP INDEX IF EXISTS ix_sessions_agent_started_ended;"
                    "CREATE INDEX IF NOT EXISTS ix_sessions_started ON sessions (started_ms, id); CREATE INDEX IF NOT EXISTS ix_sessions_agent_started ON sessions (agent_id, started_ms, id);")
if variant == 'new':
    c.executescript("CREATE INDEX IF NOT EXISTS ix_sessions_started_ended ON sessions (started_ms, id, ended_ms); CREATE INDEX IF NOT EXISTS ix_sessions_agent_started_ended ON sessions (agent_id, started_ms, id, ended_ms);"
                    "DROP INDEX IF EXISTS ix_sessions_started; DROP INDEX IF EXISTS ix_sessions_agent_started;")
cols = "id, agent_id, agent_version, scope, task, parent_id, status, started_ms, ended_ms, input_tokens, output_tokens, cached_input_tokens, model_calls, cost_minor_units, memory_version_id, insight_ids, metadata, outcome_label, outcome_score, outcome_source, dropped_event_count, event_count"
if len(sys.argv) > 3 and sys.argv[3] == "ids":
    cols = "id, agent_id, agent_version, scope, task, parent_id, status, started_ms"
last_end = c.execute("SELECT max(ended_ms) FROM sessions WHERE status <> 0").fetchone()[0]
def walk(filter_sql, params, ended_from):
    n = 0; after = None
    while True:
        sql = f"SELECT {cols} FROM sessions WHERE 1 = 1{filter_sql} AND ended_ms >= :e AND +status <> 0"
        p = dict(params, e=ended_from)
        if after: sql += " AND (started_ms, id) < (:am, :ai)"; p.update(am=after[0], ai=after[1])
        sql += " ORDER BY started_ms DESC, id DESC LIMIT 1001"
        rows = c.execute(sql, p).fetchall()
        page = rows[:1000]; n += len(page)
        if len(rows) <= 1000: return n
        after = (page[-1][7], page[-1][0])
def plan(filter_sql, params):
    return ' | '.join(r[3] for r in c.execute(f"EXPLAIN QUERY PLAN SELECT {cols} FROM sessions WHERE 1 = 1{filter_sql} AND ended_ms >= :e AND +status <> 0 ORDER BY started_ms DESC, id DESC LIMIT 1001", dict(params, e=0)))
scopes = [("agent-03", " AND agent_id = :a", {"a": "agent-03"}), ("team-3", " AND scope = :s", {"s": "team-3"}), ("global", "", {})]
# the windows: the last hour, and the hourly dreams' bound (41.7 days: a thousand hourly dreams)
for label, window in [("last hour", 3600_000), ("41.7 days", 1000 * 3600_000)]:
    for name, f, p in scopes:
        times = []
        for i in range(6):
            t = time.process_time(); n = walk(f, p, last_end - window); times.append((time.process_time() - t) * 1000)
        print(f"{variant} | {label} | {name} | {statistics.median(times[1:]):.1f} ms cpu | {n} | {plan(f, p)}")

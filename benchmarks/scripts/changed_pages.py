# Pages every session changed after a change number (SessionQuery.ChangedAfter, newest first, pages of 1,000: what the
# scheduler's poll after a burst reads) with the SQL SqliteSessionQuery sends, on a file of N sessions that all have a
# change number, with the change index given. Usage: python3 changed_pages.py [N] [old|new|walk|count]: "old" the index on change_no
# alone, "new" the index on (change_no, started_ms, id), "walk" the start-order index walked with the change number
# compared in each row (what the store does when many sessions changed), each page after the two reads that choose it
# (SqliteSessionQuery.ManyChanged: the largest rowid, the changed counted up to the root), "count" those two reads alone,
# as many times as pages of 1,000 from 0; "skew K" a filter whose changes are not in the proportion of its sessions: K
# sessions of a new agent imported into the file, then the new agent's changed sessions paged (all K changed, none
# before) and an old agent's (none changed), each with both plans and the one the two reads choose (they count every
# session, not the filter's). Prints CPU time (process_time) of paging from 0 and of the first
# page after the horizon, medians of three after one, and the plan.
import sqlite3, sys, time, statistics, os, random, math
# The sessions the plan counts: the span of the rowids (SqliteSessionQuery.ManyChanged).
SPAN = "SELECT coalesce((SELECT max(rowid) FROM sessions) - (SELECT min(rowid) FROM sessions) + 1, 0)"
N = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
variant = sys.argv[2] if len(sys.argv) > 2 else "old"
walking = variant == "walk"
path = f"/tmp/changed-pages-{N}{'-skew' if variant == 'skew' else ''}.db"  # skew writes its file
if not os.path.exists(path):
    c = sqlite3.connect(path)
    c.executescript("""
CREATE TABLE sessions (id TEXT NOT NULL PRIMARY KEY, agent_id TEXT NOT NULL, agent_version TEXT, scope TEXT, task TEXT NOT NULL,
 parent_id TEXT, status INTEGER NOT NULL, started_ms INTEGER NOT NULL, ended_ms INTEGER, input_tokens INTEGER NOT NULL,
 output_tokens INTEGER NOT NULL, cached_input_tokens INTEGER NOT NULL, model_calls INTEGER NOT NULL, cost_minor_units INTEGER NOT NULL,
 memory_version_id TEXT, insight_ids TEXT NOT NULL, metadata TEXT NOT NULL, outcome_label TEXT, outcome_score REAL, outcome_source TEXT,
 dropped_event_count INTEGER NOT NULL, event_count INTEGER NOT NULL DEFAULT 0, change_no INTEGER);
CREATE INDEX ix_sessions_started_ended ON sessions (started_ms, id, ended_ms);
CREATE INDEX ix_sessions_agent_started_ended ON sessions (agent_id, started_ms, id, ended_ms);
CREATE INDEX ix_sessions_status_started ON sessions (status, started_ms, id);
CREATE INDEX ix_sessions_outcome_started ON sessions (outcome_label, started_ms, id);
CREATE INDEX ix_sessions_parent_started ON sessions (parent_id, started_ms, id);
CREATE INDEX ix_sessions_scope_started ON sessions (scope, started_ms, id);
""")
    r = random.Random(7); start = 1_700_000_000_000
    # Imported out of start order (older logs after newer ones), so change order is not start order.
    order = list(range(N)); r.shuffle(order)
    c.executemany("INSERT INTO sessions VALUES (?1, 'agent-' || (?2 % 40), NULL, NULL, 'task', NULL, 1, ?3, ?3 + 60000, 1, 1, 0, 1, 0, NULL, '[]', '{}', NULL, NULL, NULL, 0, 20, ?4)",
                  [(f"ses_{i:08d}", i, start + i * 60_000, n + 1) for n, i in enumerate(order)])
    c.commit(); c.close()
c = sqlite3.connect(path)
c.executescript("DROP INDEX IF EXISTS ix_sessions_change; DROP INDEX IF EXISTS ix_sessions_change_started;")
if variant in ("old", "walk", "count"):
    c.execute("CREATE INDEX ix_sessions_change ON sessions (change_no) WHERE change_no IS NOT NULL")
else:
    c.execute("CREATE INDEX ix_sessions_change_started ON sessions (change_no, started_ms, id) WHERE change_no IS NOT NULL")
cols = "id, agent_id, agent_version, scope, task, parent_id, status, started_ms, ended_ms, input_tokens, output_tokens, cached_input_tokens, model_calls, cost_minor_units, memory_version_id, insight_ids, metadata, outcome_label, outcome_score, outcome_source, dropped_event_count, event_count, change_no"
def sql(after, walk=False):
    # walk: the start-order index walked (the query without a change bound), the change number compared in each row.
    if walk:
        s = f"SELECT {cols} FROM sessions WHERE 1 = 1 AND +change_no > :h"
        if after: s += " AND (started_ms, id) < (:am, :ai)"
        return s + " ORDER BY started_ms DESC, id DESC LIMIT 1001"
    s = f"SELECT {cols} FROM sessions WHERE 1 = 1 AND change_no > :h"
    if after: s += " AND (+started_ms, +id) < (:am, :ai)"
    return s + " ORDER BY +started_ms DESC, +id DESC LIMIT 1001"
def walk(h, dense=False):
    n = 0; after = None; pages = 0
    while True:
        p = {"h": h}
        if after: p.update(am=after[0], ai=after[1])
        if dense:
            n_rows = c.execute(SPAN).fetchone()[0]
            enough = math.ceil(math.sqrt(1001.0 * n_rows))
            c.execute("SELECT count(*) FROM (SELECT 1 FROM sessions WHERE change_no > ? LIMIT ?)", (h, enough)).fetchone()
        rows = c.execute(sql(after, dense), p).fetchall(); pages += 1
        page = rows[:1000]; n += len(page)
        if len(rows) <= 1000: return n, pages
        after = (page[-1][7], page[-1][0])
horizon = c.execute("SELECT max(change_no) FROM sessions").fetchone()[0]
if variant == "skew":
    K = int(sys.argv[3]) if len(sys.argv) > 3 else 20_000
    c.execute("DELETE FROM sessions WHERE agent_id = 'agent-new'")
    c.executemany("INSERT INTO sessions VALUES (?1, 'agent-new', NULL, NULL, 'task', NULL, 1, ?2, ?2 + 60000, 1, 1, 0, 1, 0, NULL, '[]', '{}', NULL, NULL, NULL, 0, 20, ?3)",
                  [(f"new_{i:08d}", 1_700_000_000_000 + i * 60_000, horizon + i + 1) for i in range(K)])
    c.commit()
    def agent_pages(agent, walk_plan):
        n = 0; after = None; pages = 0
        while True:
            s = f"SELECT {cols} FROM sessions WHERE 1 = 1 AND {'+' if walk_plan else ''}change_no > :h AND {'' if walk_plan else '+'}agent_id = :a"
            if after: s += " AND (started_ms, id) < (:am, :ai)" if walk_plan else " AND (+started_ms, +id) < (:am, :ai)"
            s += " ORDER BY started_ms DESC, id DESC LIMIT 1001" if walk_plan else " ORDER BY +started_ms DESC, +id DESC LIMIT 1001"
            p = {"h": horizon, "a": agent}
            if after: p.update(am=after[0], ai=after[1])
            rows = c.execute(s, p).fetchall(); pages += 1
            n += len(rows[:1000])
            if len(rows) <= 1000: return n, pages
            after = (rows[999][7], rows[999][0])
    n_rows = c.execute(SPAN).fetchone()[0]
    enough = math.ceil(math.sqrt(1001.0 * n_rows))
    chosen = "walk" if c.execute("SELECT count(*) FROM (SELECT 1 FROM sessions WHERE change_no > ? LIMIT ?)", (horizon, enough)).fetchone()[0] >= enough else "changed"
    for agent in ("agent-new", "agent-1"):
        for walk_plan in (False, True):
            times = []
            for i in range(4):
                t = time.process_time(); n, pages = agent_pages(agent, walk_plan); times.append((time.process_time() - t) * 1000)
            print(f"skew | {N} + {K} new | {agent} | {'walk' if walk_plan else 'changed'} plan{' (chosen)' if chosen == ('walk' if walk_plan else 'changed') else ''} | {n} rows in {pages} pages | {statistics.median(times[1:]):.1f} ms cpu")
    sys.exit(0)
if variant == "count":
    times = []
    for i in range(4):
        t = time.process_time()
        for _ in range((N + 999) // 1000):
            n_rows = c.execute(SPAN).fetchone()[0]
            c.execute("SELECT count(*) FROM (SELECT 1 FROM sessions WHERE change_no > 0 LIMIT ?)", (math.ceil(math.sqrt(1001.0 * n_rows)),)).fetchone()
        times.append((time.process_time() - t) * 1000)
    print(f"count | {N} sessions | the plan's two reads, {(N + 999) // 1000} times | {statistics.median(times[1:]):.1f} ms cpu")
    sys.exit(0)
for label, h in [("from 0", 0), ("after the horizon - 10", horizon - 10)]:
    times = []
    for i in range(4):
        t = time.process_time(); n, pages = walk(h, walking); times.append((time.process_time() - t) * 1000)
    plan = ' | '.join(r[3] for r in c.execute("EXPLAIN QUERY PLAN " + sql(True, walking), {"h": h, "am": 0, "ai": ""}))
    print(f"{variant} | {N} sessions | {label} | {n} rows in {pages} pages | {statistics.median(times[1:]):.1f} ms cpu | {plan}")

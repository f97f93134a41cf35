# A sessions-only file shaped as ScaleFile's (40 agents, 24 of them in 8 teams, 200,000 sessions over 90 days, each
# 5-125 s long, 90% completed, 7% failed, 3% abandoned), with the store's schema as migration 1 left it plus the
# older build's team index. Usage: python3 make_sessions.py FILE
import sqlite3, sys, random, uuid, time
path = sys.argv[1]
c = sqlite3.connect(path)
c.executescript("""
CREATE TABLE sessions (id TEXT NOT NULL PRIMARY KEY, agent_id TEXT NOT NULL, agent_version TEXT, scope TEXT, task TEXT NOT NULL,
 parent_id TEXT, status INTEGER NOT NULL, started_ms INTEGER NOT NULL, ended_ms INTEGER, input_tokens INTEGER NOT NULL,
 output_tokens INTEGER NOT NULL, cached_input_tokens INTEGER NOT NULL, model_calls INTEGER NOT NULL, cost_minor_units INTEGER NOT NULL,
 memory_version_id TEXT, insight_ids TEXT NOT NULL, metadata TEXT NOT NULL, outcome_label TEXT, outcome_score REAL, outcome_source TEXT,
 dropped_event_count INTEGER NOT NULL, event_count INTEGER NOT NULL DEFAULT 0);
CREATE INDEX ix_sessions_started ON sessions (started_ms, id);
CREATE INDEX ix_sessions_agent_started ON sessions (agent_id, started_ms, id);
CREATE INDEX ix_sessions_status_started ON sessions (status, started_ms, id);
CREATE INDEX ix_sessions_outcome_started ON sessions (outcome_label, started_ms, id);
CREATE INDEX ix_sessions_parent_started ON sessions (parent_id, started_ms, id);
CREATE INDEX ix_sessions_scope_started ON sessions (scope, started_ms, id);
""")
r = random.Random(7); n = 200_000; end = int(time.time() * 1000); start = end - 90 * 86400_000; step = 90 * 86400_000 // n
rows = []
for i in range(n):
    s = start + step * i; a = r.randrange(40); roll = r.randrange(100)
    status = 1 if roll < 90 else 2 if roll < 97 else 3
    label = 'failure' if status == 2 else None if status == 3 else 'success' if roll < 63 else 'failure' if roll < 76 else None
    rows.append((f"ses_{uuid.UUID(int=r.getrandbits(128)).hex}", f"agent-{a:02d}", f"team-{a % 8}" if a < 24 else None,
                 "Help the customer change the flight on booking 123456", status, s, s + 1000 * (5 + r.randrange(120)),
                 '["ins-1","ins-2"]', '{"tenant":"t17"}', label, 0.9 if label == 'success' else 0.2 if label else None, 'rubric' if label else None))
c.executemany("INSERT INTO sessions VALUES (?1, ?2, NULL, ?3, ?4, NULL, ?5, ?6, ?7, 6000, 600, 0, 5, 4, NULL, ?8, ?9, ?10, ?11, ?12, 0, 20)", rows)
c.commit()
print("done", c.execute("select count(*) from sessions").fetchone())

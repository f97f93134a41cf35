# Per-session cost of the change-number triggers: create a session, then end it with an outcome, each in its own
# transaction, with the statements the store's writer sends (SqliteWriter), with and without the triggers.
# Usage: python3 change_triggers.py [sessions] [no-outcome]. CPU time of this process (process_time), median of 5.
import sqlite3, time, os, statistics, sys
N = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
OUTCOME = not (len(sys.argv) > 2 and sys.argv[2] == "no-outcome")   # "no-outcome": completions that carry no outcome
SCHEMA = """
CREATE TABLE sessions (id TEXT NOT NULL PRIMARY KEY, agent_id TEXT NOT NULL, agent_version TEXT, scope TEXT, task TEXT NOT NULL,
 parent_id TEXT, status INTEGER NOT NULL, started_ms INTEGER NOT NULL, ended_ms INTEGER, input_tokens INTEGER NOT NULL,
 output_tokens INTEGER NOT NULL, cached_input_tokens INTEGER NOT NULL, model_calls INTEGER NOT NULL, cost_minor_units INTEGER NOT NULL,
 memory_version_id TEXT, insight_ids TEXT NOT NULL, metadata TEXT NOT NULL, outcome_label TEXT, outcome_score REAL, outcome_source TEXT,
 dropped_event_count INTEGER NOT NULL, event_count INTEGER NOT NULL DEFAULT 0);
CREATE INDEX ix_sessions_started_ended ON sessions (started_ms, id, ended_ms);
CREATE INDEX ix_sessions_agent_started_ended ON sessions (agent_id, started_ms, id, ended_ms);
CREATE INDEX ix_sessions_status_started ON sessions (status, started_ms, id);
CREATE INDEX ix_sessions_outcome_started ON sessions (outcome_label, started_ms, id);
CREATE INDEX ix_sessions_parent_started ON sessions (parent_id, started_ms, id);
CREATE INDEX ix_sessions_scope_started ON sessions (scope, started_ms, id);
"""
CHANGE = """
ALTER TABLE sessions ADD COLUMN change_no INTEGER;
CREATE TABLE session_change_counter (id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL);
CREATE INDEX ix_sessions_change ON sessions (change_no) WHERE change_no IS NOT NULL;
INSERT OR IGNORE INTO session_change_counter (id, last) VALUES (1, 0);
CREATE TRIGGER tr_sessions_change_insert AFTER INSERT ON sessions WHEN NEW.status <> 0 BEGIN UPDATE session_change_counter SET last = last + 1 WHERE id = 1; UPDATE sessions SET change_no = (SELECT last FROM session_change_counter WHERE id = 1) WHERE rowid = NEW.rowid; END;
CREATE TRIGGER tr_sessions_change_update AFTER UPDATE OF status, ended_ms, outcome_label, outcome_score, outcome_source ON sessions BEGIN UPDATE session_change_counter SET last = last + 1 WHERE id = 1; UPDATE sessions SET change_no = (SELECT last FROM session_change_counter WHERE id = 1) WHERE rowid = NEW.rowid; END;
"""
def run(triggers):
    path = f"/tmp/change-triggers-{int(triggers)}.db"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix): os.remove(path + suffix)
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL"); c.execute("PRAGMA synchronous=NORMAL")
    c.executescript(SCHEMA)
    if triggers: c.executescript(CHANGE)
    t = time.process_time()
    for i in range(N):
        sid = f"s-{i:08d}"
        c.execute("BEGIN IMMEDIATE")
        c.execute("INSERT INTO sessions (id, agent_id, task, status, started_ms, input_tokens, output_tokens, cached_input_tokens, model_calls, cost_minor_units, insight_ids, metadata, dropped_event_count) VALUES (?, 'bot', 'a task', 0, ?, 0,0,0,0,0,'[]','{}',0)", (sid, 1700000000000 + i * 1000))
        c.execute("COMMIT")
        # The store's end (SqliteWriter.Complete): the status read, the end written, then the completion's outcome in a
        # statement of its own, when it has one (OUTCOME): each of the two updates runs the update trigger.
        c.execute("BEGIN IMMEDIATE")
        c.execute("SELECT status FROM sessions WHERE id = ?", (sid,)).fetchone()
        c.execute("UPDATE sessions SET status = 1, ended_ms = ?, input_tokens = 10, output_tokens = 5, cached_input_tokens = 0, model_calls = 1, cost_minor_units = 0, dropped_event_count = 0 WHERE id = ?", (1700000000500 + i * 1000, sid))
        if OUTCOME: c.execute("UPDATE sessions SET outcome_label = 'success', outcome_score = 1.0, outcome_source = 'x' WHERE id = ?", (sid,))
        c.execute("COMMIT")
    e = time.process_time() - t
    c.close()
    return e / N * 1e6
res = {False: [], True: []}
for _ in range(5):
    for trig in (False, True):
        res[trig].append(run(trig))
for trig in (False, True):
    print(("with triggers   " if trig else "without triggers"), f"{statistics.median(res[trig]):.1f} us CPU per session (create + end" + (" with an outcome" if OUTCOME else "") + ", 2 transactions); runs: " + ", ".join(f"{x:.1f}" for x in res[trig]))

using System.Diagnostics;
using System.Globalization;
using Dreaming.Sqlite;
using Microsoft.Data.Sqlite;

namespace Dreaming.Benchmarks;

/// <summary>Times the store's read paths on a large file (<see cref="ScaleFile"/>): session queries and paging, a session's
/// events, a dream's selection and lookback, the scheduler's count of new sessions, retention's preview, memory versions,
/// dream runs and the webhook outbox. The median of five runs of each, after one to warm the page cache.</summary>
/// <remarks>Run with <c>dotnet run -c Release --project benchmarks/Dreaming.Benchmarks -- scale [--sessions N] [--db PATH]
/// [--only TEXT] [--explain FILE] [--hourly-dreams]</c> (200,000 sessions by default); <c>--hourly-dreams</c> first adds
/// to the file (once) a thousand hourly dreams of the three scopes timed (<see cref="ScaleFile.AddHourlyDreamsAsync"/>): give it a copy. With <c>--db</c> an existing file is timed, or one is built there and kept;
/// the CLI's commands are timed on the same file by running the tool (see docs/performance.md, 'Reading a large file').</remarks>
internal static class ScaleRead
{
    public static async Task<int> RunAsync(string[] args)
    {
        var sessions = 200_000;
        string? path = null;
        string? explain = null;
        string? only = null;
        var hourly = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--sessions": sessions = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--db": path = args[++i]; break;
                case "--explain": explain = args[++i]; break;
                case "--only": only = args[++i]; break;
                case "--hourly-dreams": hourly = true; break;
                default: Console.Error.WriteLine("usage: scale [--sessions N] [--db PATH] [--explain FILE] [--only TEXT] [--hourly-dreams]"); return 2;
            }
        }

        var temporary = path is null;
        path ??= Path.Combine(Directory.CreateTempSubdirectory("dreaming-scale-").FullName, "scale.db");
        try
        {
            if (!File.Exists(path))
            {
                await ScaleFile.BuildAsync(path, sessions, DateTimeOffset.UtcNow).ConfigureAwait(false);
            }

            if (hourly)
            {
                await ScaleFile.AddHourlyDreamsAsync(path, [MemoryScope.Agent(ScaleFile.Agent(3)), MemoryScope.Team(ScaleFile.Team(3)), MemoryScope.Global]).ConfigureAwait(false);
            }

            if (explain is not null)
            {
                Explain(path, explain);
                return 0;
            }

            await TimeAllAsync(path, only).ConfigureAwait(false);

            // With --only one path, the process's peak is that path's (and the store's, a few tens of MB).
            using var process = Process.GetCurrentProcess();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak working set {process.PeakWorkingSet64 / 1e6:0} MB"));
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (temporary)
            {
                Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
            }
        }
    }

    private static async Task TimeAllAsync(string path, string? only)
    {
        var options = new SqliteTraceStoreOptions { ConnectionString = path };
        using var traces = new SqliteTraceStore(options);
        using var runs = new SqliteDreamRunStore(options);
        using var memory = new SqliteMemoryStore(options);
        await traces.InitializeAsync().ConfigureAwait(false);
        List<string> thousandIds()
        {
            using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT id FROM sessions WHERE agent_id = 'agent-03' ORDER BY started_ms DESC LIMIT 1000";
            using var reader = command.ExecuteReader();
            var list = new List<string>();
            while (reader.Read())
            {
                list.Add(reader.GetString(0));
            }

            return list;
        }

        var newest = (await traces.QuerySessionsAsync(new SessionQuery { PageSize = 1, Status = SessionStatus.Completed }).ConfigureAwait(false)).Items[0];
        var parent = (await traces.QuerySessionsAsync(new SessionQuery { PageSize = 1 }).ConfigureAwait(false)).Items[0];
        var lastEnded = (await traces.QuerySessionsAsync(new SessionQuery { PageSize = 1, Status = SessionStatus.Completed, Order = SessionOrder.NewestFirst }).ConfigureAwait(false)).Items[0].EndedAt!.Value;
        var agent = MemoryScope.Agent(ScaleFile.Agent(3));
        var team = MemoryScope.Team(ScaleFile.Team(3));
        Console.WriteLine("| path | median (ms) | result |");
        Console.WriteLine("|---|---:|---:|");

        async Task Time(string name, Func<Task<long>> read)
        {
            if (only is not null && !name.Contains(only, StringComparison.Ordinal))
            {
                return;
            }

            long result = 0;
            var times = new List<double>();
            for (var i = 0; i < 6; i++)
            {
                var clock = Stopwatch.StartNew();
                result = await read().ConfigureAwait(false);
                if (i > 0)
                {
                    times.Add(clock.Elapsed.TotalMilliseconds);
                }
            }

            times.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {times[times.Count / 2]:0.0} | {result:N0} |"));
        }

        Task<long> Page(SessionQuery query) => Count(traces.QuerySessionsAsync(query));
        async Task<long> Count(Task<SessionPage> page) => (await page.ConfigureAwait(false)).Items.Count;

        await Time("sessions: newest 50", () => Page(new SessionQuery())).ConfigureAwait(false);
        await Time("sessions --agent", () => Page(new SessionQuery { AgentId = agent.Id })).ConfigureAwait(false);
        await Time("sessions --scope", () => Page(new SessionQuery { Scope = team.Id })).ConfigureAwait(false);
        await Time("sessions --status failed", () => Page(new SessionQuery { Status = SessionStatus.Failed })).ConfigureAwait(false);
        await Time("sessions --status running", () => Page(new SessionQuery { Status = SessionStatus.Running })).ConfigureAwait(false);
        await Time("sessions --outcome failure", () => Page(new SessionQuery { OutcomeLabel = SessionOutcome.Failure })).ConfigureAwait(false);
        await Time("sessions --parent", () => Page(new SessionQuery { ParentSessionId = parent.Id })).ConfigureAwait(false);
        await Time("sessions --agent --status failed", () => Page(new SessionQuery { AgentId = agent.Id, Status = SessionStatus.Failed })).ConfigureAwait(false);
        await Time("sessions --agent --status running", () => Page(new SessionQuery { AgentId = agent.Id, Status = SessionStatus.Running })).ConfigureAwait(false);
        await Time("sessions --agent --scope (other team)", () => Page(new SessionQuery { AgentId = agent.Id, Scope = ScaleFile.Team(4) })).ConfigureAwait(false);
        await Time("sessions --agent --outcome failure", () => Page(new SessionQuery { AgentId = agent.Id, OutcomeLabel = SessionOutcome.Failure })).ConfigureAwait(false);
        await Time("sessions --agent (new) --status completed, none found", () => Page(new SessionQuery { AgentId = "new-agent", Status = SessionStatus.Completed })).ConfigureAwait(false);
        await Time("sessions --agent (new) --outcome success, none found", () => Page(new SessionQuery { AgentId = "new-agent", OutcomeLabel = SessionOutcome.Success })).ConfigureAwait(false);
        await Time("sessions --parent --status completed, none found", () => Page(new SessionQuery { ParentSessionId = "nobody", Status = SessionStatus.Completed })).ConfigureAwait(false);
        await Time("sessions --scope --status completed, none found", () => Page(new SessionQuery { Scope = "new-team", Status = SessionStatus.Completed })).ConfigureAwait(false);
        await Time("sessions oldest first, 1000", () => Page(new SessionQuery { Order = SessionOrder.OldestFirst, PageSize = 1000 })).ConfigureAwait(false);
        await Time("every session, pages of 1000", () => WalkAsync(traces, new SessionQuery { PageSize = 1000 })).ConfigureAwait(false);
        await Time("raw: every session row, columns read, no JSON", () =>
        {
            using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, agent_id, agent_version, scope, task, parent_id, status, started_ms, ended_ms, input_tokens, output_tokens, cached_input_tokens, model_calls, cost_minor_units, memory_version_id, insight_ids, metadata, outcome_label, outcome_score, outcome_source, dropped_event_count, event_count FROM sessions ORDER BY started_ms DESC, id DESC";
            using var reader = command.ExecuteReader();
            long n = 0;
            while (reader.Read())
            {
                n += reader.GetString(0).Length + reader.GetString(4).Length + reader.GetString(15).Length + reader.GetString(16).Length + reader.GetInt64(7);
            }

            return Task.FromResult(n);
        }).ConfigureAwait(false);
        var ids = thousandIds();
        await Time("raw: events of 1,000 sessions, payload read", () =>
        {
            using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
            connection.Open();
            long n = 0;
            foreach (var id in ids)
            {
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT seq, ts, payload FROM events WHERE session_id = $id ORDER BY seq";
                command.Parameters.AddWithValue("$id", id);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    n += reader.GetString(2).Length;
                }
            }

            return Task.FromResult(n);
        }).ConfigureAwait(false);
        await Time("overhead: 1,000 queries of an unknown parent", async () =>
        {
            long n = 0;
            for (var i = 0; i < 1000; i++)
            {
                n += (await traces.QuerySessionsAsync(new SessionQuery { ParentSessionId = "nobody", PageSize = 1000 }).ConfigureAwait(false)).Items.Count;
            }

            return n;
        }).ConfigureAwait(false);
        await Time("session show: record + events", async () => (await traces.GetSessionAsync(newest.Id).ConfigureAwait(false) is null ? 0 : 1) + (await traces.GetEventsAsync(newest.Id).ConfigureAwait(false)).Count).ConfigureAwait(false);

        var thousand = (await traces.QuerySessionsAsync(new SessionQuery { AgentId = agent.Id, PageSize = 1000 }).ConfigureAwait(false)).Items;
        await Time("report blocks: events of 1,000 sessions", async () =>
        {
            long n = 0;
            foreach (var session in thousand)
            {
                n += (await traces.GetEventsAsync(session.Id).ConfigureAwait(false)).Count;
            }

            return n;
        }).ConfigureAwait(false);
        await Time("report blocks: memory.injected of 1,000 sessions", async () =>
        {
            long n = 0;
            foreach (var session in thousand)
            {
                n += (await traces.GetEventsAsync(session.Id, [EventTypes.MemoryInjected]).ConfigureAwait(false)).Count;
            }

            return n;
        }).ConfigureAwait(false);
        await Time("report blocks: children of 1,000 sessions", async () =>
        {
            long n = 0;
            foreach (var session in thousand)
            {
                n += (await traces.QuerySessionsAsync(new SessionQuery { ParentSessionId = session.Id, Order = SessionOrder.OldestFirst, PageSize = 1000 }).ConfigureAwait(false)).Items.Count;
            }

            return n;
        }).ConfigureAwait(false);

        foreach (var scope in new[] { agent, team, MemoryScope.Global })
        {
            var last = await runs.GetLastCompletedAsync(scope).ConfigureAwait(false);
            await Time($"count new sessions (scheduler), {scope.Key}", async () =>
            {
                var history = await DreamReadHistory.LoadAsync(runs, scope, CancellationToken.None).ConfigureAwait(false);
                long n = 0;
                await foreach (var session in DreamSessionSelector.ScopeSessionsAsync(traces, scope, CancellationToken.None).ConfigureAwait(false))
                {
                    n += DreamSessionSelector.IsCandidate(session, last?.Results.Cursor, history) ? 1 : 0;
                }

                return n;
            }).ConfigureAwait(false);
            var scheduled = await DreamReadHistory.LoadAsync(runs, scope, CancellationToken.None).ConfigureAwait(false);
            await Time($"scheduler check (20 new), {scope.Key}", async () =>
                await DreamSessionSelector.CountNewAsync(traces, scope, last?.Results.Cursor, scheduled, 20, CancellationToken.None).ConfigureAwait(false)).ConfigureAwait(false);
            await Time($"scheduler check (20 new), every session walked, {scope.Key}", async () =>
            {
                // The check as it was: the whole scope, newest first, until 20 candidates.
                long n = 0;
                await foreach (var session in DreamSessionSelector.ScopeSessionsAsync(traces, scope, CancellationToken.None).ConfigureAwait(false))
                {
                    if (DreamSessionSelector.IsCandidate(session, last?.Results.Cursor, scheduled) && ++n >= 20)
                    {
                        break;
                    }
                }

                return n;
            }).ConfigureAwait(false);
            await ScaleSchedulerPoll.TimeAsync(traces, runs, scope, Time, only).ConfigureAwait(false);
            await Time($"scheduler check: sessions ended in the last hour, {scope.Key}", async () =>
            {
                long n = 0;
                await foreach (var session in DreamSessionSelector.ScopeSessionsAsync(traces, scope, CancellationToken.None, endedFrom: lastEnded.AddHours(-1)).ConfigureAwait(false))
                {
                    n++;
                }

                return n;
            }).ConfigureAwait(false);
            await Time($"dream select (100), {scope.Key}", async () =>
            {
                var history = await DreamReadHistory.LoadAsync(runs, scope, CancellationToken.None).ConfigureAwait(false);
                return (await DreamSessionSelector.SelectAsync(traces, new DreamRunRequest { Scope = scope }, last?.Results.Cursor, history, CancellationToken.None).ConfigureAwait(false)).Count;
            }).ConfigureAwait(false);
            await Time($"dream lookback 14 d, {scope.Key}", async () =>
            {
                var history = await DreamReadHistory.LoadAsync(runs, scope, CancellationToken.None).ConfigureAwait(false);
                var request = new DreamRunRequest { Scope = scope, Lookback = TimeSpan.FromDays(14) };
                return (await DreamSessionSelector.LookbackAsync(traces, request, last?.Results.Cursor, history, [], DateTimeOffset.UtcNow, CancellationToken.None).ConfigureAwait(false)).Count;
            }).ConfigureAwait(false);
            await Time($"runs list 1000, {scope.Key}", async () => (await runs.ListAsync(scope, 1000).ConfigureAwait(false)).Count).ConfigureAwait(false);
            await Time($"memory versions, {scope.Key}", async () => (await memory.ListVersionsAsync(scope).ConfigureAwait(false)).Count).ConfigureAwait(false);
        }

        var versions = await memory.ListVersionsAsync(agent).ConfigureAwait(false);
        await Time("memory diff", async () => (await memory.DiffAsync(versions[^1].Id, versions[0].Id).ConfigureAwait(false)).Added.Count).ConfigureAwait(false);
        await Time("memory active, global", async () => (await memory.GetActiveVersionAsync(MemoryScope.Global).ConfigureAwait(false))!.Insights.Count).ConfigureAwait(false);
        await Time("runs: recover abandoned", async () => (await runs.RecoverAbandonedAsync().ConfigureAwait(false)).Count).ConfigureAwait(false);
        foreach (var days in new[] { 80, 30 })
        {
            var retention = new SessionRetention(
                new SessionRetentionOptions { MaxAge = TimeSpan.FromDays(days), KeepUnreadSessions = true, DreamScopes = { agent, team, MemoryScope.Global } },
                traces,
                runs);
            await Time($"retention preview, {days} d, 3 scopes", async () => (await retention.PreviewAsync().ConfigureAwait(false)).Purged).ConfigureAwait(false);
        }

        using var outbox = new SqliteWebhookOutboxStore(options);
        await Time("webhooks list 100", async () => (await outbox.ListAsync().ConfigureAwait(false)).Count).ConfigureAwait(false);
        await Time("webhooks list dead 100", async () => (await outbox.ListAsync(WebhookDeliveryState.Dead).ConfigureAwait(false)).Count).ConfigureAwait(false);
        await Time("webhooks list pending 100", async () => (await outbox.ListAsync(WebhookDeliveryState.Pending).ConfigureAwait(false)).Count).ConfigureAwait(false);
        await Time("webhooks route unrouted", async () => (await outbox.RouteUnroutedAsync(_ => ["hooks-a"], DateTimeOffset.UtcNow, 100).ConfigureAwait(false)).Routed).ConfigureAwait(false);
        await Time("webhooks claim 100", async () => (await outbox.ClaimDueAsync(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1), 100).ConfigureAwait(false)).Count).ConfigureAwait(false);
        await Time("webhooks endpoint state", async () => (await outbox.GetEndpointAsync("hooks-a").ConfigureAwait(false)).ConsecutiveFailures).ConfigureAwait(false);
    }

    // Prints the plan, with the SQLite that Microsoft.Data.Sqlite bundles, of each statement of a script in the sqlite3
    // shell's form: '.param set $name value' lines bind parameters, and each "SELECT '--- label'; EXPLAIN QUERY PLAN ...;"
    // line is one statement.
    private static void Explain(string path, string script)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        var parameters = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(script))
        {
            if (line.StartsWith(".param set ", StringComparison.Ordinal))
            {
                var parts = line[".param set ".Length..].Split(' ', 2);
                parameters[parts[0]] = parts[1].StartsWith('\'') ? parts[1].Trim('\'') : long.Parse(parts[1], CultureInfo.InvariantCulture);
                continue;
            }

            var at = line.IndexOf("EXPLAIN QUERY PLAN ", StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            using var command = connection.CreateCommand();
            command.CommandText = line[at..];
            foreach (var (name, value) in parameters)
            {
                if (command.CommandText.Contains(name, StringComparison.Ordinal))
                {
                    command.Parameters.AddWithValue(name, value);
                }
            }

            Console.WriteLine(line[..at].Replace("SELECT '", string.Empty, StringComparison.Ordinal).TrimEnd(' ', ';', '\''));
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                Console.WriteLine("    " + reader.GetString(3));
            }
        }
    }

    private static async Task<long> WalkAsync(SqliteTraceStore traces, SessionQuery query)
    {
        long n = 0;
        while (true)
        {
            var page = await traces.QuerySessionsAsync(query).ConfigureAwait(false);
            n += page.Items.Count;
            if (page.NextCursor is null)
            {
                return n;
            }

            query = query with { Cursor = page.NextCursor };
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Dreaming.Sqlite;
using Microsoft.Data.Sqlite;

namespace Dreaming.Benchmarks;

/// <summary>Writes a SQLite store that stands for 90 days of a busy app: many agents and teams, sessions of about 20
/// events (tool calls, some failing, model responses, the memory each was given), sub-sessions, a memory version and a
/// completed dream run a week per scope, and a webhook outbox, for <see cref="ScaleRead"/> to time the read paths on.</summary>
internal static class ScaleFile
{
    /// <summary>The number of agents; agent <c>i</c> records its sessions with team <c>i % Teams</c> when <c>i &lt; 24</c>.</summary>
    public const int Agents = 40;

    /// <summary>The number of teams (session scopes).</summary>
    public const int Teams = 8;

    /// <summary>The days the file covers, ending now.</summary>
    public const int Days = 90;

    private const int Chunk = 2000;

    /// <summary>Gets the name of agent <paramref name="i"/>.</summary>
    public static string Agent(int i) => "agent-" + i.ToString("D2", CultureInfo.InvariantCulture);

    /// <summary>Gets the name of team <paramref name="i"/>.</summary>
    public static string Team(int i) => "team-" + i.ToString(CultureInfo.InvariantCulture);

    /// <summary>Writes the file.</summary>
    public static async Task BuildAsync(string path, int sessions, DateTimeOffset end)
    {
        var clock = Stopwatch.StartNew();
        var start = end.AddDays(-Days);
        var time = new SettableTime(start);
        var options = new SqliteTraceStoreOptions { ConnectionString = path };
        var random = new Random(7);

        // A version a week of each agent's, team's and the global memory, each approved when proposed (its predecessor
        // superseded), and one completed dream run of the scope that read the week's sessions of that scope.
        var scopes = Enumerable.Range(0, Agents).Select(i => MemoryScope.Agent(Agent(i)))
            .Concat(Enumerable.Range(0, Teams).Select(i => MemoryScope.Team(Team(i)))).Append(MemoryScope.Global).ToArray();
        var weeks = Days / 7;
        var versions = new Dictionary<(MemoryScope, int), string>();
        using (var memory = new SqliteMemoryStore(options, time))
        {
            for (var week = 1; week <= weeks; week++)
            {
                time.Now = start.AddDays(7 * week);
                foreach (var scope in scopes)
                {
                    var insights = Enumerable.Range(0, 15).Select(n => new Insight
                    {
                        Id = $"ins-{scope.Key}-{n}",
                        Text = $"When the tool lookup_order fails with a timeout, retry once before telling the user (lesson {n} of week {week}).",
                        Scope = scope,
                        Source = InsightSource.Mined,
                        Status = InsightStatus.Active,
                        CreatedAt = time.Now,
                        UpdatedAt = time.Now,
                    }).ToArray();
                    var proposed = await memory.ProposeAsync(new MemoryProposal
                    {
                        Scope = scope,
                        ParentVersionId = versions.GetValueOrDefault((scope, week - 1)),
                        Author = MemoryAuthor.DreamRun("run-" + scope.Key + "-" + week.ToString(CultureInfo.InvariantCulture)),
                        Insights = insights,
                        Note = "weekly dream",
                    }).ConfigureAwait(false);
                    await memory.ApproveAsync(proposed.Id, MemoryAuthor.Person("ops")).ConfigureAwait(false);
                    versions[(scope, week)] = proposed.Id;
                }
            }
        }

        // Sessions, oldest first, spread evenly over the days; each week's ids per scope are kept for the dream runs.
        var readByWeek = new Dictionary<(MemoryScope, int), List<string>>();
        var step = TimeSpan.FromDays(Days).Ticks / sessions;
        var recent = new string[64];
        long events = 0;
        using (var store = new SqliteTraceStore(options))
        {
            for (var first = 0; first < sessions; first += Chunk)
            {
                var chunk = new List<SessionWithEvents>(Chunk);
                for (var i = first; i < Math.Min(sessions, first + Chunk); i++)
                {
                    var started = start.AddTicks(step * i);
                    var agent = random.Next(Agents);
                    var id = "ses_" + Guid.CreateVersion7(started).ToString("N");
                    var parent = i > 64 && random.Next(10) == 0 ? recent[random.Next(recent.Length)] : null;
                    recent[i % recent.Length] = id;
                    var ended = started.AddSeconds(5 + random.Next(120));
                    var roll = random.Next(100);
                    var status = roll < 90 ? SessionStatus.Completed : roll < 97 ? SessionStatus.Failed : SessionStatus.Abandoned;
                    var outcome = status == SessionStatus.Failed ? SessionOutcome.Failed(source: "rubric")
                        : status == SessionStatus.Abandoned ? null
                        : roll < 63 ? SessionOutcome.Succeeded(0.9, "rubric") : roll < 76 ? SessionOutcome.Failed(0.2, "rubric") : null;
                    var week = (int)((started - start).TotalDays / 7);
                    var team = agent < 24 ? Team(agent % Teams) : null;
                    var given = week == 0 ? [] : new[] { (MemoryScope.Agent(Agent(agent)), week), (MemoryScope.Global, week) }
                        .Concat(team is null ? [] : [(MemoryScope.Team(team), week)]).Where(versions.ContainsKey).ToArray();
                    var list = Events(id, started, random, given.Select(g => (versions[g], g.Item1)).ToArray());
                    events += list.Count;
                    chunk.Add(new SessionWithEvents(
                        new SessionRecord
                        {
                            Id = id,
                            AgentId = Agent(agent),
                            Scope = team,
                            Task = "Help the customer change the flight on booking " + random.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture),
                            ParentSessionId = parent,
                            Status = status,
                            StartedAt = started,
                            EndedAt = ended,
                            Usage = new SessionUsage { InputTokens = 4000 + random.Next(4000), OutputTokens = 300 + random.Next(600), ModelCalls = 5, CostMinorUnits = 2 + random.Next(5) },
                            Metadata = new Dictionary<string, string> { ["tenant"] = "t" + random.Next(200).ToString(CultureInfo.InvariantCulture) },
                            Outcome = outcome,
                        },
                        list));
                    if (outcome is not null && status != SessionStatus.Abandoned)
                    {
                        foreach (var scope in new[] { MemoryScope.Agent(Agent(agent)), MemoryScope.Global }.Concat(team is null ? [] : [MemoryScope.Team(team)]))
                        {
                            if (!readByWeek.TryGetValue((scope, week), out var read))
                            {
                                readByWeek[(scope, week)] = read = [];
                            }

                            read.Add(id);
                        }
                    }
                }

                await store.ImportAsync(chunk).ConfigureAwait(false);
            }

            // The sessions running now.
            for (var i = 0; i < 20; i++)
            {
                var id = "ses_running_" + i.ToString(CultureInfo.InvariantCulture);
                await store.WriteAsync(new TraceWriteBatch(
                    [new SessionRecord { Id = id, AgentId = Agent(i), Task = "t", StartedAt = end.AddMinutes(-i) }],
                    [new MessageEvent { SessionId = id, Sequence = 1, Timestamp = end, Role = "user", Text = "hello" }])).ConfigureAwait(false);
            }
        }

        using (var runs = new SqliteDreamRunStore(options, time))
        {
            for (var week = 0; week < weeks; week++)
            {
                time.Now = start.AddDays(7 * (week + 1));
                foreach (var scope in scopes)
                {
                    var read = readByWeek.GetValueOrDefault((scope, week)) ?? [];
                    var run = await runs.CreateAsync(new DreamRunRequest { Scope = scope, MaxSessions = 1000 }).ConfigureAwait(false);
                    await runs.StartAsync(run.Id, "scale", TimeSpan.FromMinutes(5)).ConfigureAwait(false);
                    await runs.CompleteAsync(run.Id, new DreamRunResults
                    {
                        SessionIds = [.. read.Take(1000)],
                        Cursor = new DreamCursor(time.Now, read.LastOrDefault() ?? "none"),
                        StageUsage = [new DreamStageUsage("mine", SessionUsage.Zero, TimeSpan.FromSeconds(1))],
                        OutputVersionId = versions.GetValueOrDefault((scope, week + 1)),
                    }).ConfigureAwait(false);
                }
            }
        }

        // The outbox: an event per 10 sessions to two endpoints, nearly all delivered.
        using (var outbox = new SqliteWebhookOutboxStore(options, time))
        {
            for (var i = 0; i < sessions / 10; i++)
            {
                time.Now = start.AddTicks(step * 10 * i);
                await outbox.EnqueueAsync(WebhookEvent.Create("session.completed", time.Now, new JsonObject { ["session_id"] = "ses_" + i.ToString(CultureInfo.InvariantCulture) }), ["hooks-a", "hooks-b"]).ConfigureAwait(false);
            }
        }

        Execute(path, "UPDATE webhook_deliveries SET state = 'delivered', attempts = 1, delivered_ms = created_ms WHERE seq % 500 <> 0; PRAGMA wal_checkpoint(TRUNCATE);");
        SqliteConnection.ClearAllPools();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"built {path}: {sessions:N0} sessions, {events:N0} events, {new FileInfo(path).Length / 1e6:0} MB in {clock.Elapsed.TotalSeconds:0} s"));
    }

    /// <summary>Adds a thousand completed dreams of each scope, an hour apart up to the file's last session, each of which
    /// read the sessions of the scope that ended in its hour (what a schedule that dreams every hour leaves), unless the
    /// first scope already has that many runs. The dream run store then lists only these runs, so a late session is looked
    /// for only after the first hour's cursor (41.7 days before the end, of the file's 90).</summary>
    public static async Task AddHourlyDreamsAsync(string path, IReadOnlyList<MemoryScope> scopes)
    {
        const int Hours = DreamRunStoreRules.MaxListLimit;
        var options = new SqliteTraceStoreOptions { ConnectionString = path };
        using var runs = new SqliteDreamRunStore(options);
        using var traces = new SqliteTraceStore(options);
        if ((await runs.ListAsync(scopes[0], DreamRunStoreRules.MaxListLimit).ConfigureAwait(false)).Count >= Hours)
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        var all = new List<SessionRecord>();
        await foreach (var session in DreamSessionSelector.ScopeSessionsAsync(traces, MemoryScope.Global, CancellationToken.None).ConfigureAwait(false))
        {
            if (session.EndedAt is not null && session.Outcome is not null && session.Status != SessionStatus.Abandoned)
            {
                all.Add(session);
            }
        }

        var end = all.Max(s => s.EndedAt!.Value);
        var first = end.AddHours(-Hours);
        all.Sort((a, b) => a.EndedAt!.Value.ToUnixTimeMilliseconds() != b.EndedAt!.Value.ToUnixTimeMilliseconds()
            ? a.EndedAt.Value.ToUnixTimeMilliseconds().CompareTo(b.EndedAt.Value.ToUnixTimeMilliseconds())
            : string.CompareOrdinal(a.Id, b.Id));
        foreach (var scope in scopes)
        {
            var mine = all.Where(s => s.EndedAt > first && DreamSessionSelector.IsInScope(s, scope)).ToList();
            var at = 0;
            DreamCursor? cursor = null;
            for (var hour = 1; hour <= Hours; hour++)
            {
                // A dream that found no session leaves the cursor where it was.
                var until = first.AddHours(hour);
                var read = new List<string>();
                while (at < mine.Count && mine[at].EndedAt <= until)
                {
                    read.Add(mine[at].Id);
                    cursor = new DreamCursor(mine[at].EndedAt!.Value, mine[at].Id);
                    at++;
                }

                var run = await runs.CreateAsync(new DreamRunRequest { Scope = scope, MaxSessions = 1000 }).ConfigureAwait(false);
                await runs.StartAsync(run.Id, "scale", TimeSpan.FromMinutes(5)).ConfigureAwait(false);
                await runs.CompleteAsync(run.Id, new DreamRunResults
                {
                    SessionIds = [.. read.Take(1000)],
                    Cursor = cursor,
                    StageUsage = [new DreamStageUsage("mine", SessionUsage.Zero, TimeSpan.FromSeconds(1))],
                }).ConfigureAwait(false);
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"added {Hours:N0} hourly dreams to each of {scopes.Count} scopes in {clock.Elapsed.TotalSeconds:0} s"));
    }

    /// <summary>Runs one statement on the file, outside the stores.</summary>
    public static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout = 30000; " + sql;
        command.ExecuteNonQuery();
    }

    private static List<SessionEvent> Events(string id, DateTimeOffset at, Random random, (string Version, MemoryScope Scope)[] given)
    {
        var list = new List<SessionEvent>(24);
        long seq = 0;
        list.Add(new MessageEvent { SessionId = id, Sequence = ++seq, Timestamp = at, Role = "user", Text = "I need to move my flight on booking ABC123 to next Tuesday, same time if possible, and keep my seat." });
        foreach (var (version, scope) in given)
        {
            list.Add(new InsightsInjectedEvent { SessionId = id, Sequence = ++seq, Timestamp = at, MemoryVersionId = version, InsightIds = ["ins-1", "ins-2", "ins-3"], Scope = scope });
        }

        for (var round = 0; round < 4 + random.Next(3); round++)
        {
            var call = "call_" + round.ToString(CultureInfo.InvariantCulture);
            var tool = round % 2 == 0 ? "lookup_order" : "update_booking";
            var failed = random.Next(10) == 0;
            list.Add(new ModelResponseEvent { SessionId = id, Sequence = ++seq, Timestamp = at, ModelId = "gpt-4o-mini", Latency = TimeSpan.FromMilliseconds(400 + random.Next(900)), Usage = new SessionUsage { InputTokens = 900, OutputTokens = 80, ModelCalls = 1 }, FinishReason = "tool_calls" });
            list.Add(new ToolCallEvent { SessionId = id, Sequence = ++seq, Timestamp = at, CallId = call, ToolName = tool, Arguments = "{\"booking\":\"ABC123\",\"date\":\"2026-03-10\"}" });
            list.Add(failed
                ? new ToolResultEvent { SessionId = id, Sequence = ++seq, Timestamp = at, CallId = call, ToolName = tool, IsError = true, ErrorType = "TimeoutException", ErrorMessage = "The booking service did not answer within 10 s." }
                : new ToolResultEvent { SessionId = id, Sequence = ++seq, Timestamp = at, CallId = call, ToolName = tool, Result = "{\"status\":\"ok\",\"flight\":\"UA 123\",\"seat\":\"14C\",\"fare_difference\":42.5}" });
        }

        list.Add(new ModelResponseEvent { SessionId = id, Sequence = ++seq, Timestamp = at, ModelId = "gpt-4o-mini", Latency = TimeSpan.FromMilliseconds(700), Usage = new SessionUsage { InputTokens = 1200, OutputTokens = 120, ModelCalls = 1 }, FinishReason = "stop" });
        list.Add(new MessageEvent { SessionId = id, Sequence = ++seq, Timestamp = at, Role = "assistant", Text = "Your flight is now on Tuesday at 09:40, seat 14C kept; the fare difference of $42.50 was charged to your card on file." });
        return list;
    }

    /// <summary>A clock the builder sets, so versions and runs carry times within the file's span.</summary>
    internal sealed class SettableTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}

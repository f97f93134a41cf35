using Dreaming.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.CrashTestHost;

/// <summary>Writes to and reads back from every SQLite store what it holds as JSON (event payloads, insight ids,
/// metadata, triggers, evidence, a dream run's session ids, stage usage and report, the endpoints a claim skips), and
/// prints what it read. The test runs it with reflection-based System.Text.Json off, as a trimmed or Native AOT app is.</summary>
internal static class AotStoreChild
{
    public static async Task RunAsync(string path)
    {
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var scope = MemoryScope.Agent("aot-agent");
        SessionEvent[] events =
        [
            new MessageEvent { Role = "user", Text = "héllo <b>&</b>", AuthorName = null },
            new ToolCallEvent { CallId = "c1", ToolName = "lookup", Arguments = "{\"id\":1}" },
            new ToolResultEvent { CallId = "c1", ToolName = "lookup", Result = "found", IsError = false },
            new ModelResponseEvent { ModelId = "m", Latency = TimeSpan.FromMilliseconds(12), Usage = new SessionUsage { InputTokens = 3, OutputTokens = 4 } },
            new ErrorEvent { ErrorType = "Boom", Message = "failed" },
            new NoteEvent { Text = "note" },
            new OutcomeEvaluationStartedEvent { Iteration = 1, RubricId = "r" },
            new OutcomeEvaluationEndedEvent { Iteration = 1, RubricId = "r", Result = "passed", Score = 0.5, Criteria = [new CriterionVerdictRecord("c", "met", 1, null)] },
            new InsightsInjectedEvent { MemoryVersionId = "mv", InsightIds = ["i1"], Scope = scope },
            new InsightsCitedEvent { InsightIds = ["i1"] },
            new OrchestrationStartedEvent { Goal = "g", ItemCount = 1, MaxConcurrency = 1, FailurePolicy = "fail_fast", PlanSource = "static" },
            new OrchestrationItemCompletedEvent { ItemId = "a", Agent = "x", Status = "completed" },
            new OrchestrationCompletedEvent { ItemCount = 1 },
            new OrchestrationFailedEvent { Status = "failed", Reason = "r" },
        ];
        var session = new SessionRecord
        {
            Id = "s1",
            AgentId = "aot-agent",
            Task = "task",
            StartedAt = at,
            EndedAt = at.AddSeconds(1),
            Status = SessionStatus.Completed,
            InsightIds = ["i1", "i2"],
            Metadata = new Dictionary<string, string> { ["tenant"] = "t1" },
        };

        using (var traces = new SqliteTraceStore(path))
        {
            await traces.InitializeAsync();
            await traces.ImportAsync([new SessionWithEvents(session, [.. events.Select((item, index) => item with { SessionId = "s1", Sequence = index + 1, Timestamp = at })])]);
            var read = await traces.GetSessionAsync("s1") ?? throw new InvalidOperationException("the session was not read back");
            var readEvents = await traces.GetEventsAsync("s1");
            Console.Out.WriteLine("session " + string.Join(",", read.InsightIds) + " " + string.Join(",", read.Metadata.Select(pair => pair.Key + "=" + pair.Value)));
            Console.Out.WriteLine("events " + readEvents.Count + " " + ((MessageEvent)readEvents[0]).Text + " " + ((InsightsInjectedEvent)readEvents[8]).Scope?.Key);
        }

        using (var memory = new SqliteMemoryStore(path))
        {
            await memory.InitializeAsync();
            var insight = new Insight
            {
                Id = "i1",
                Text = "lesson",
                Scope = scope,
                Kind = InsightKind.Pitfall,
                Source = InsightSource.Mined,
                Triggers = new InsightTriggers { Tools = ["lookup"], Keywords = ["order"] },
                Evidence = [new InsightEvidence("s1", 2), new InsightEvidence("s2")],
                CreatedAt = at,
                UpdatedAt = at,
            };
            var version = await memory.ProposeAsync(new MemoryProposal { Scope = scope, Author = new MemoryAuthor(MemoryAuthorKind.Person, "me"), Insights = [insight] });
            var readInsight = (await memory.GetVersionAsync(version.Id))!.Insights.Single();
            Console.Out.WriteLine("insight " + string.Join(",", readInsight.Triggers.Tools) + " " + string.Join(",", readInsight.Triggers.Keywords) + " " + string.Join(",", readInsight.Evidence));
            var edited = insight with { Triggers = new InsightTriggers { Tools = ["lookup", "héllo"] }, Evidence = [new InsightEvidence("s3", 1)] };
            var next = await memory.ProposeAsync(new MemoryProposal { Scope = scope, Author = new MemoryAuthor(MemoryAuthorKind.Person, "me"), Insights = [edited] });
            foreach (var field in (await memory.DiffAsync(version.Id, next.Id)).Changed.Single().Fields)
            {
                Console.Out.WriteLine("diff " + field.Field + " " + field.Before + " -> " + field.After);
            }
        }

        using (var runs = new SqliteDreamRunStore(path))
        {
            await runs.InitializeAsync();
            var run = await runs.CreateAsync(new DreamRunRequest { Scope = scope });
            await runs.StartAsync(run.Id, "me", TimeSpan.FromMinutes(5));
            await runs.CompleteAsync(run.Id, new DreamRunResults
            {
                SessionIds = ["s1"],
                StageUsage = [new DreamStageUsage("mine", new SessionUsage { InputTokens = 5 }, TimeSpan.FromMilliseconds(7))],
                Report = new DreamReport { BaseFailureRate = double.NaN, Changes = [new DreamChange { Op = DreamChangeOp.Quarantine, InsightId = "i1", Kind = InsightKind.Pitfall, Text = "t", Reason = "r" }] },
            });
            var results = (await runs.GetAsync(run.Id))!.Results;
            var change = results.Report.Changes.Single();
            Console.Out.WriteLine("run " + string.Join(",", results.SessionIds) + " " + results.StageUsage.Single().Usage.InputTokens + " " + results.Report.BaseFailureRate.ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + change.Op + " " + change.Kind);
        }

        using (var outbox = new SqliteWebhookOutboxStore(path))
        {
            await outbox.InitializeAsync();
            var due = await outbox.ClaimDueExceptAsync(at, TimeSpan.FromMinutes(1), 10, ["ep-skipped"]);
            Console.Out.WriteLine("claimed " + due.Count);
        }

        // The coordinator's planning: its JSON schema of the plan is built as JSON and sent with the request.
        var coordinator = new PlanningClient();
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseSqliteStore(path).AddOrchestrator(coordinator: _ => coordinator);
        await using (var provider = services.BuildServiceProvider())
        {
            var plan = await provider.GetRequiredService<IOrchestrator>().PlanAsync(
                "goal",
                [new RosterAgent { Name = "wörker", Run = (context, _) => Task.FromResult(new WorkItemReply("done")) }]);
            Console.Out.WriteLine("plan " + string.Join(",", plan.Items.Select(item => item.Id + ":" + item.Agent)) + " " + coordinator.Schema);
        }

        Console.Out.WriteLine("ok");
    }

    /// <summary>A coordinator that answers every request with a one-item plan and keeps the schema it was asked for.</summary>
    private sealed class PlanningClient : IChatClient
    {
        public string? Schema { get; private set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Schema = (options?.ResponseFormat as ChatResponseFormatJson)?.Schema?.GetRawText();
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "{\"items\":[{\"id\":\"a\",\"agent\":\"wörker\",\"instructions\":\"do it\",\"dependsOn\":[]}]}")));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}

using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Tests;

/// <summary>The hostile values and the data that carries one in every field the pages show.</summary>
internal static class HostileValues
{
    private static readonly Dictionary<string, string> s_values = new(StringComparer.Ordinal)
    {
        ["script"] = "<script>alert(1)</script>",
        ["attribute break-out"] = "\"><img src=x onerror=alert(1)>'",
        ["javascript url"] = "javascript:alert(document.cookie)",
        ["100,000 characters"] = string.Concat(Enumerable.Repeat("<é\"&", 25_000)),
        ["NUL and half a surrogate pair"] = "nul \0 half \ud800 end",
        ["bidirectional overrides"] = "invoice\u202Efdp.exe \u2066isolate\u2069 \u202Aembed\u202C",
        ["line breaks"] = "line 1\r\nline 2\u2028line 3\n",
    };

    public static IEnumerable<string> Names => s_values.Keys;

    public static string Of(string name) => s_values[name];

    public static bool HasBidiControl(string text) => text.AsSpan().IndexOfAnyInRange('\u202A', '\u202E') >= 0 || text.AsSpan().IndexOfAnyInRange('\u2066', '\u2069') >= 0;

    /// <summary>AddWebhooks with one endpoint, whose URL holds the value where a URL may, the dispatcher not running.</summary>
    public static void AddEndpoint(IServiceCollection services)
    {
        services.AddDreamingAgents().AddWebhooks(options =>
        {
            var endpoint = new WebhookEndpoint { Id = "ops", Url = "https://hooks.example.com/" + Uri.EscapeDataString("<script>") + "?next=javascript:alert(1)", Enabled = false, DisabledReason = "paused" };
            endpoint.Secrets.Add(TestWebhooks.OpsSecret);
            options.Endpoints.Add(endpoint);
        });
        TestWebhooks.WithoutDispatcherLoop(services);
    }

    /// <summary>Stores a session (with a child) whose every field, and an event of each type whose every text, is the value;
    /// a memory version, a completed, a failed and a running dream run (its lease holder), and a dead webhook delivery
    /// likewise. Ids the library refuses to
    /// hold half a surrogate pair in (agent, team, scope) get U+FFFD there instead.</summary>
    public static async Task<Seeded> SeedAsync(AgentViewHost host, string value)
    {
        var id = value.Replace('\ud800', '\ufffd');
        var line = string.Concat(id.Select(c => char.IsControl(c) || c is '\u2028' or '\u2029' ? ' ' : c));
        var agent = "a " + Requestable(id);
        var sessionId = "s " + Requestable(value);
        var childId = "c " + Requestable(value);
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        var scope = MemoryScope.Agent(agent);
        var version = await host.Memory.ProposeAsync(new MemoryProposal
        {
            Scope = scope,
            Author = MemoryAuthor.Person(id),
            Note = value,
            Insights =
            [
                new Insight
                {
                    Id = "i " + line,
                    Text = value,
                    Scope = scope,
                    Kind = InsightKind.Pitfall,
                    Status = InsightStatus.Active,
                    Source = InsightSource.Mined,
                    Triggers = new InsightTriggers { Tools = [value], Keywords = [value] },
                    Evidence = [new InsightEvidence(sessionId, 4), new InsightEvidence(value)],
                    CreatedAt = start,
                    UpdatedAt = start,
                },
            ],
        });
        await host.Memory.ApproveAsync(version.Id, MemoryAuthor.Person(id));
        var second = await host.Memory.ProposeAsync(new MemoryProposal
        {
            Scope = scope,
            ParentVersionId = version.Id,
            Author = MemoryAuthor.Person(id),
            Note = value,
            Insights = [version.Insights[0] with { Text = value + " changed", Triggers = new InsightTriggers { Tools = [value + " changed"] } }],
        });
        var rejected = await host.Memory.ProposeAsync(new MemoryProposal { Scope = scope, ParentVersionId = version.Id, Author = MemoryAuthor.DreamRun(value), Note = value, Insights = version.Insights });
        await host.Memory.RejectAsync(rejected.Id, MemoryAuthor.Person(id), value);

        CriterionVerdictRecord Verdict(bool required) => new(value, value, 0.5, value) { Weight = 1, Required = required, Kind = value };
        SessionEvent[] events =
        [
            new MessageEvent { Role = value, Text = value, AuthorName = value },
            new ModelResponseEvent { ModelId = value, ResponseId = value, FinishReason = value, Usage = new SessionUsage { InputTokens = 10 } },
            new ToolCallEvent { CallId = value, ToolName = value, Arguments = value, ArgumentsError = value },
            new ToolResultEvent { CallId = value, ToolName = value, Result = value, IsError = true, ErrorType = value, ErrorMessage = value },
            new ErrorEvent { ErrorType = value, Message = value, Operation = value, RetryStatus = value },
            new NoteEvent { Text = value },
            new InsightsInjectedEvent { MemoryVersionId = version.Id, InsightIds = [value, value], Scope = scope },
            new InsightsInjectedEvent { MemoryVersionId = value, InsightIds = [value] },
            new InsightsCitedEvent { InsightIds = [value] },
            new OutcomeEvaluationStartedEvent { Iteration = 1, RubricId = value },
            new OutcomeEvaluationEndedEvent { Iteration = 1, RubricId = value, Result = value, Score = 0.5, Threshold = 0.7, Aggregation = value, Criteria = [Verdict(true), Verdict(false) with { Id = value + "2" }], Error = value },
            new OrchestrationStartedEvent { Goal = value, ItemCount = 1, MaxConcurrency = 1, FailurePolicy = value, PlanSource = value },
            new OrchestrationItemCompletedEvent { ItemId = value, Agent = value, Status = value, ChildSessionId = childId, Outcome = value, Error = value },
            new OrchestrationFailedEvent { Status = value, Reason = value, ItemId = value },
        ];
        var session = new SessionRecord
        {
            Id = sessionId,
            AgentId = agent,
            AgentVersion = value,
            Scope = "t " + id,
            Task = value,
            Status = SessionStatus.Failed,
            StartedAt = start,
            EndedAt = start.AddSeconds(30),
            Outcome = new SessionOutcome { Label = value, Score = 0.5, Source = value },
            MemoryVersionId = version.Id,
            InsightIds = [value, value],
            Metadata = new Dictionary<string, string> { [value] = value, ["k " + value] = value },
            ParentSessionId = value,
        };
        var child = new SessionRecord
        {
            Id = childId,
            AgentId = agent,
            Task = value,
            Status = SessionStatus.Completed,
            StartedAt = start.AddSeconds(1),
            EndedAt = start.AddSeconds(2),
            Outcome = new SessionOutcome { Label = value, Score = 1 },
            MemoryVersionId = value,
            ParentSessionId = sessionId,
        };
        await host.Traces.ImportAsync([new SessionWithEvents(session, TestEvents.Numbered(start, events)), new SessionWithEvents(child, [])]);

        var run = await host.DreamRuns.CreateAsync(new DreamRunRequest { Scope = scope });
        await host.DreamRuns.StartAsync(run.Id, value, TimeSpan.FromMinutes(5));
        var finding = new DreamFinding
        {
            Kind = value,
            Pattern = value,
            Tool = value,
            Signature = value,
            Evidence = [new DreamFindingEvidence(value, true, [4]), new DreamFindingEvidence(sessionId, false, [])],
        };
        await host.DreamRuns.CompleteAsync(run.Id, new DreamRunResults
        {
            SessionIds = [value, sessionId],
            StageUsage = [new DreamStageUsage(value, new SessionUsage { InputTokens = 5 }, TimeSpan.FromSeconds(1))],
            OutputVersionId = second.Id,
            Note = value,
            Report = new DreamReport
            {
                Findings = [finding],
                Changes = [new DreamChange { Op = DreamChangeOp.Add, InsightId = value, Kind = InsightKind.Pitfall, Text = value, Reason = value }],
            },
        });
        var failed = await host.DreamRuns.CreateAsync(new DreamRunRequest { Scope = scope });
        await host.DreamRuns.FailAsync(failed.Id, value);
        var running = await host.DreamRuns.CreateAsync(new DreamRunRequest { Scope = scope });
        await host.DreamRuns.StartAsync(running.Id, value, TimeSpan.FromMinutes(5));

        var outbox = host.Outbox();
        var webhookEvent = new WebhookEvent { Id = WebhookEvent.NewId(), Type = value, Timestamp = start, Data = new JsonObject { ["text"] = value } };
        var delivery = (await outbox.EnqueueAsync(webhookEvent, ["ops"]))[0];
        await outbox.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = delivery.Id, AttemptedAt = start, StatusCode = 500, Error = value });
        await outbox.SetEndpointDisabledAsync("ops", value, start);
        return new Seeded(sessionId, childId, agent, scope, version.Id, run.Id, failed.Id, running.Id, delivery.Id);
    }

    /// <summary>The value as a request's path may hold it: a server refuses a path holding a NUL (%00 too), and a URL
    /// carries half a surrogate pair as U+FFFD.</summary>
    public static string Requestable(string value) => value.Replace('\0', ' ').Replace('\ud800', '\ufffd');

    /// <summary>The ids of what <see cref="SeedAsync"/> stored.</summary>
    public sealed record Seeded(string SessionId, string ChildId, string AgentId, MemoryScope Scope, string VersionId, string RunId, string FailedRunId, string RunningRunId, string DeliveryId);
}

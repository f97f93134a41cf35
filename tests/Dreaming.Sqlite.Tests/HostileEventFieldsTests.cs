using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Sqlite.Tests;

/// <summary>Every event type recorded through a session's writer, with NULs, lone surrogates and a megabyte of text in each
/// field, into the in-memory and the SQLite stores: what a provider or a log controls (identifiers, text) is stored bounded,
/// what the host gives round-trips as given (half a surrogate pair as U+FFFD in SQLite, which keeps UTF-8), and nothing
/// throws.</summary>
public sealed class HostileEventFieldsTests : IDisposable
{
    // A NUL, half a surrogate pair at each end and a megabyte between: a provider's value no real one sends.
    private static readonly string s_huge = "h\0\uD800" + new string('x', 1_000_000) + "\uDC00end";

    // What a host gives: short, but with a NUL, half a surrogate pair and U+FFFF.
    private const string Short = "s\0\uD800\uFFFF";

    // What a host gives that is longer than the strings Microsoft.Data.Sqlite binds by length (300 were, 600 were not): a NUL, then text.
    private static readonly string s_long = "l\0" + new string('y', 2_000);

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("memory")]
    [InlineData("sqlite")]
    public async Task Every_event_type_with_hostile_fields_is_stored_bounded_and_read_back(string store)
    {
        var services = new ServiceCollection();
        var dreaming = services.AddDreamingAgents();
        if (store == "sqlite")
        {
            dreaming.UseSqliteStore(_folder.File("hostile.db"));
        }
        else
        {
            dreaming.UseInMemoryStore();
        }

        string id;
        await using (var provider = services.BuildServiceProvider())
        {
            await using (var session = provider.GetRequiredService<IAgentSessionFactory>().StartSession(new AgentSessionOptions
            {
                AgentId = "agent",
                Task = s_huge,
                AgentVersion = s_long,
                Metadata = new Dictionary<string, string> { [Short] = s_huge },
            }))
            {
                id = session.Id;
                foreach (var sessionEvent in Events())
                {
                    await session.RecordAsync(sessionEvent);
                }

                await session.CompleteAsync();
            }

            await provider.GetRequiredService<ITraceStore>().SetOutcomeAsync(id, new SessionOutcome { Label = s_long, Source = s_long });

            var traces = provider.GetRequiredService<ITraceStore>();
            var record = await traces.GetSessionAsync(id);
            var events = await traces.GetEventsAsync(id);
            var asStored = store == "sqlite" ? (Func<string, string>)(s => s.Replace('\uD800', '\uFFFD').Replace('\uDC00', '\uFFFD')) : s => s;
            Assert.NotNull(record);
            Text(record.Task);
            Assert.Equal(s_long, record.AgentVersion);
            Assert.Equal(s_long, record.Outcome?.Label);
            Assert.Equal(s_long, record.Outcome?.Source);
            Assert.Equal([id], (await traces.QuerySessionsAsync(new SessionQuery { OutcomeLabel = s_long })).Items.Select(s => s.Id));
            Assert.Empty((await traces.QuerySessionsAsync(new SessionQuery { OutcomeLabel = s_long[..1] })).Items);
            Text(Assert.Single(record.Metadata, p => p.Key == asStored(Short)).Value);
            Assert.Equal(Events().Select(e => e.GetType()), events.Select(e => e.GetType()));
            Assert.Equal(14, events.Select(e => e.GetType()).Distinct().Count());
            Assert.Equal("message." + ((MessageEvent)events[0]).Role, events[0].EventType);
            foreach (var sessionEvent in events)
            {
                Check(sessionEvent, asStored);
            }
        }
    }

    private static void Check(SessionEvent sessionEvent, Func<string, string> asStored)
    {
        void Host(string? value) => Assert.Equal(asStored(Short), value);
        switch (sessionEvent)
        {
            case MessageEvent m:
                Identifier(m.Role, MessageEvent.MaxRoleLength);
                Identifier(m.AuthorName, MessageEvent.MaxAuthorNameLength);
                Text(m.Text);
                break;
            case ToolCallEvent c:
                Identifier(c.CallId, ToolCallEvent.MaxCallIdLength);
                Identifier(c.ToolName, ToolCallEvent.MaxToolNameLength);
                Text(c.Arguments);
                Text(c.ArgumentsError);
                break;
            case ToolResultEvent r:
                Identifier(r.CallId, ToolCallEvent.MaxCallIdLength);
                Identifier(r.ToolName, ToolCallEvent.MaxToolNameLength);
                Identifier(r.ErrorType, ErrorEvent.MaxErrorTypeLength);
                Text(r.Result);
                Text(r.ErrorMessage);
                break;
            case ModelResponseEvent response:
                Identifier(response.ModelId, ModelResponseEvent.MaxModelIdLength);
                Identifier(response.ResponseId, ModelResponseEvent.MaxResponseIdLength);
                Identifier(response.FinishReason, ModelResponseEvent.MaxFinishReasonLength);
                break;
            case ErrorEvent e:
                Identifier(e.ErrorType, ErrorEvent.MaxErrorTypeLength);
                Text(e.Message);
                Host(e.Operation);
                Host(e.RetryStatus);
                break;
            case NoteEvent n:
                Text(n.Text);
                break;
            case OutcomeEvaluationStartedEvent s:
                Host(s.RubricId);
                break;
            case OutcomeEvaluationEndedEvent o:
                Host(o.RubricId);
                Host(o.Result);
                Host(o.Aggregation);
                var criterion = Assert.Single(o.Criteria);
                Host(criterion.Id);
                Host(criterion.Verdict);
                Host(criterion.Kind);
                Text(criterion.Reason);
                Text(o.Error);
                break;
            case InsightsInjectedEvent i:
                Host(i.MemoryVersionId);
                Host(Assert.Single(i.InsightIds));
                break;
            case InsightsCitedEvent c:
                Host(Assert.Single(c.InsightIds));
                break;
            case OrchestrationStartedEvent o:
                Text(o.Goal);
                Host(o.FailurePolicy);
                Host(o.PlanSource);
                break;
            case OrchestrationItemCompletedEvent i:
                Host(i.ItemId);
                Host(i.Agent);
                Host(i.Status);
                Host(i.ChildSessionId);
                Host(i.Outcome);
                Text(i.Error);
                break;
            case OrchestrationCompletedEvent c:
                Assert.Equal(3, c.ItemCount);
                break;
            case OrchestrationFailedEvent f:
                Host(f.Status);
                Host(f.ItemId);
                Text(f.Reason);
                break;
            default:
                Assert.Fail("An event type this test does not know: " + sessionEvent.GetType().Name);
                break;
        }
    }

    // A provider's identifier: capped at its length, its start kept (a NUL as it is; half a surrogate pair, which SQLite
    // keeps as U+FFFD, either way).
    private static void Identifier(string? value, int cap)
    {
        Assert.NotNull(value);
        Assert.InRange(value.Length, 1, cap);
        Assert.StartsWith("h\0", value, StringComparison.Ordinal);
    }

    // Text: redacted and cut at DreamingOptions.MaxContentLength (32,768 by default), marked with its original length.
    private static void Text(string? value)
    {
        Assert.NotNull(value);
        Assert.StartsWith("h\0", value, StringComparison.Ordinal);
        Assert.InRange(value.Length, 1, 32_768 + 64);
        Assert.EndsWith($"[truncated: original length {s_huge.Length} chars]", value, StringComparison.Ordinal);
    }

    private static SessionEvent[] Events() =>
    [
        new MessageEvent { Role = s_huge, Text = s_huge, AuthorName = s_huge },
        new ToolCallEvent { CallId = s_huge, ToolName = s_huge, Arguments = s_huge, ArgumentsError = s_huge },
        new ToolResultEvent { CallId = s_huge, ToolName = s_huge, Result = s_huge, IsError = true, ErrorType = s_huge, ErrorMessage = s_huge },
        new ModelResponseEvent { ModelId = s_huge, ResponseId = s_huge, FinishReason = s_huge },
        new ErrorEvent { ErrorType = s_huge, Message = s_huge, Operation = Short, RetryStatus = Short },
        new NoteEvent { Text = s_huge },
        new OutcomeEvaluationStartedEvent { Iteration = 1, RubricId = Short },
        new OutcomeEvaluationEndedEvent
        {
            Iteration = 1,
            RubricId = Short,
            Result = Short,
            Aggregation = Short,
            Criteria = [new CriterionVerdictRecord(Short, Short, 0.5, s_huge) { Kind = Short }],
            Error = s_huge,
        },
        new InsightsInjectedEvent { MemoryVersionId = Short, InsightIds = [Short] },
        new InsightsCitedEvent { InsightIds = [Short] },
        new OrchestrationStartedEvent { Goal = s_huge, ItemCount = 3, MaxConcurrency = 2, FailurePolicy = Short, PlanSource = Short },
        new OrchestrationItemCompletedEvent { ItemId = Short, Agent = Short, Status = Short, ChildSessionId = Short, Outcome = Short, Error = s_huge },
        new OrchestrationCompletedEvent { ItemCount = 3 },
        new OrchestrationFailedEvent { Status = Short, Reason = s_huge, ItemId = Short },
    ];
}

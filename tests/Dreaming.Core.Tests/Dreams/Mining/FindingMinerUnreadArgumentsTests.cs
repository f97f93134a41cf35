using Dreaming.Tests;

namespace Dreaming.Core.Tests.Dreams.Mining;

/// <summary>Tool calls whose arguments the provider could not read (not valid JSON, as smaller models send them) are
/// failed calls of their tool, one pattern whatever the parse error's wording, not the missing-argument error that
/// follows.</summary>
public sealed class FindingMinerUnreadArgumentsTests
{
    private const string Signature = "arguments not valid JSON";
    private const string MissingArgument = "The arguments dictionary is missing a value for the required parameter 'orderId'.";

    private static readonly string[] s_parseErrors =
    [
        "Error parsing function call arguments. Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed. Path: $ | LineNumber: 0 | BytePositionInLine: 16.",
        "Error parsing function call arguments. '}' is invalid after a property name. Expected a ':'. Path: $ | LineNumber: 0 | BytePositionInLine: 9.",
        "Error parsing function call arguments. 'o' is an invalid start of a value. Path: $ | LineNumber: 0 | BytePositionInLine: 1.",
    ];

    [Fact]
    public async Task Repeated_unread_arguments_of_one_tool_are_one_tool_error_finding_of_that_tool()
    {
        var report = await FindingMiner(
        [
            Session("f1", fails: true, 0, 1),
            Session("f2", fails: true, 1),
            Session("f3", fails: true, 2),
            Session("f4", fails: true, 0),
            Session("s1", fails: false),
            Session("s2", fails: false),
            Session("s3", fails: false),
            Session("s4", fails: false),
        ]);

        var finding = Assert.Single(report.Findings, f => f.Pattern == FindingKinds.ToolError);
        Assert.Equal((FindingKinds.ToolError, "lookup_order", Signature), (finding.Kind, finding.Tool, finding.Signature));
        Assert.Equal((4, 4, 5L, 5L), (finding.Sessions, finding.FailedSessions, finding.Occurrences, finding.WastedCalls));
        Assert.Equal(s_parseErrors[0], finding.Example);

        // The call is the failure: its evidence points at it, and its tokens are the turn's that asked for it.
        Assert.Equal([1L, 2L], finding.Evidence.Single(e => e.SessionId == "f1").EventSequences);
        Assert.Equal(100 + (3 * 40), finding.WastedTokens);

        // The missing-argument error the call's result then carried is not a pattern of its own.
        Assert.DoesNotContain(report.Findings, f => f.Signature.Contains("missing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_model_sending_unread_arguments_to_a_tool_again_and_again_is_a_repeated_failing_call()
    {
        // Each failing session's model sends lookup_order arguments that are not valid JSON three times (whatever the
        // parse error's wording); a passing session's model does it once, then sends valid ones.
        var report = await FindingMiner(
        [
            Session("f1", fails: true, 0, 1, 2),
            Session("f2", fails: true, 1, 1, 0),
            Session("f3", fails: true, 2, 0, 1),
            Session("f4", fails: true, 0, 0, 0),
            Session("s1", fails: false),
            Session("s2", fails: false),
            Session("s3", fails: false),
            Session("s4", fails: false),
        ]);

        var loop = Assert.Single(report.Findings, f => f.Pattern == FindingKinds.RepeatedFailingCall);
        Assert.Equal((FindingKinds.RepeatedFailingCall, "lookup_order", Signature), (loop.Kind, loop.Tool, loop.Signature));
        Assert.Equal((4, 4, 12L, 8L), (loop.Sessions, loop.FailedSessions, loop.Occurrences, loop.WastedCalls));
        Assert.Equal([1L, 2L, 3L], loop.Evidence.Single(e => e.SessionId == "f1").EventSequences);
        Assert.Equal(s_parseErrors[0], loop.Example);

        // The repeats' tokens are wasted: each turn of 3 calls costs 90 + 50 = 140 tokens, 48 for the first call, 46 for
        // the others, so the two repeats of a session waste 92.
        Assert.Equal(4 * 92, loop.WastedTokens);

        // Still no pattern of the missing-argument error the calls' results carried.
        Assert.DoesNotContain(report.Findings, f => f.Signature.Contains("missing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dream_over_sessions_with_unread_arguments_writes_a_lesson_naming_the_tool()
    {
        var traces = new InMemoryTraceStore();
        var sessions = Enumerable.Range(0, 14).Select(i => Session($"s{i:D2}", fails: i < 8, i % 3)).ToList();
        await traces.ImportAsync(sessions);
        var memory = new InMemoryMemoryStore();
        var dreams = new DreamConsolidator(traces, memory, new InMemoryDreamRunStore());

        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent("agent") }).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        var top = run.Results.Report.Findings[0];
        Assert.Equal((FindingKinds.ToolError, "lookup_order", Signature), (top.Kind, top.Tool, top.Signature));
        var version = await memory.GetActiveVersionAsync(MemoryScope.Agent("agent"));
        var lesson = Assert.Single(version!.Insights, i => i.Triggers.Tools.Contains("lookup_order"));
        Assert.StartsWith("Calls to `lookup_order` were sent arguments that are not valid JSON: ", lesson.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("fail with", lesson.Text, StringComparison.Ordinal);
    }

    private static Task<MiningReport> FindingMiner(IEnumerable<SessionWithEvents> sessions) =>
        new FindingMiner().MineAsync(MiningSessions.Stream(sessions));

    // A failing session's turn asks for lookup_order with arguments that are not valid JSON (one call per parse error
    // given); UseFunctionInvocation() answers each with the missing-argument error, and the session gives up. A passing
    // one's call is read and answered.
    private static SessionWithEvents Session(string id, bool fails, params int[] parseErrors)
    {
        var time = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        List<SessionEvent> events = [];
        if (fails)
        {
            foreach (var (error, n) in parseErrors.Select((e, n) => (s_parseErrors[e], n)))
            {
                events.Add(new ToolCallEvent { CallId = $"c{n}", ToolName = "lookup_order", ArgumentsError = error });
            }

            events.Add(new ModelResponseEvent { Usage = new SessionUsage { InputTokens = 30 * parseErrors.Length, OutputTokens = (10 * parseErrors.Length) + (parseErrors.Length > 1 ? 20 : 0) } });
            for (var n = 0; n < parseErrors.Length; n++)
            {
                events.Add(new ToolResultEvent { CallId = $"c{n}", ToolName = "lookup_order", IsError = true, Result = "Error: Function failed.", ErrorType = nameof(ArgumentException), ErrorMessage = MissingArgument });
            }
        }
        else
        {
            events.Add(new ToolCallEvent { CallId = "c0", ToolName = "lookup_order", Arguments = "{\"orderId\":\"42\"}" });
            events.Add(new ModelResponseEvent { Usage = new SessionUsage { InputTokens = 30, OutputTokens = 10 } });
            events.Add(new ToolResultEvent { CallId = "c0", ToolName = "lookup_order", Result = "shipped" });
        }

        return new SessionWithEvents(
            new SessionRecord { Id = id, AgentId = "agent", Task = "Where is my order?", Status = SessionStatus.Completed, StartedAt = time, EndedAt = time.AddSeconds(5), Outcome = fails ? SessionOutcome.Failed() : SessionOutcome.Succeeded() },
            events.Select((e, n) => e with { SessionId = id, Sequence = n + 1, Timestamp = time.AddSeconds(n) }).ToList());
    }
}

namespace Dreaming.Testing;

/// <summary>Builds the sessions and events the conformance suite writes.</summary>
internal static class ConformanceData
{
    /// <summary>The base time of all test data. It carries sub-millisecond ticks on purpose: stores may drop them.</summary>
    public static readonly DateTimeOffset BaseTime = new DateTimeOffset(2025, 3, 14, 9, 26, 53, TimeSpan.Zero).AddTicks(5_897_931);

    public static SessionRecord Session(string id, string agentId = "agent-a", double minutes = 0, string? parentSessionId = null) => new()
    {
        Id = id,
        AgentId = agentId,
        Task = "task of " + id,
        StartedAt = BaseTime.AddMinutes(minutes),
        ParentSessionId = parentSessionId,
    };

    public static SessionRecord FinishedSession(string id, SessionStatus status = SessionStatus.Completed, string agentId = "agent-a", double minutes = 0) =>
        Session(id, agentId, minutes) with
        {
            Status = status,
            EndedAt = BaseTime.AddMinutes(minutes + 1),
            Usage = new SessionUsage { InputTokens = 10, OutputTokens = 5, ModelCalls = 1 },
            Outcome = SessionOutcome.Succeeded(0.75, "import"),
        };

    /// <summary>A session with every optional field set, including text that needs escaping in most formats.</summary>
    public static SessionRecord FullSession(string id) => new()
    {
        Id = id,
        AgentId = "refund-agent",
        AgentVersion = "prompt@7",
        Scope = "team-ä/tenant \"42\"",
        Task = "Summarise the refund for order #1234 — café ☕, \"quoted\", 'single', \\ and \n new line",
        ParentSessionId = "parent-" + id,
        Status = SessionStatus.Running,
        StartedAt = BaseTime,
        Usage = new SessionUsage { InputTokens = 1200, OutputTokens = 340, CachedInputTokens = 800, ModelCalls = 3, CostMinorUnits = 123_456_789_012 },
        MemoryVersionId = "memory-v3",
        InsightIds = ["insight-b", "insight-a", "insight-c"],
        Metadata = new Dictionary<string, string> { ["region"] = "eu-west", ["ticket"] = "T-99", ["emoji"] = "🚀", ["empty"] = string.Empty },
        Outcome = new SessionOutcome { Label = "partial", Score = 0.123456789, Source = "rubric:refund-summary@1" },
        DroppedEventCount = 2,
    };

    public static NoteEvent Note(string sessionId, long sequence) => new()
    {
        SessionId = sessionId,
        Sequence = sequence,
        Timestamp = BaseTime.AddSeconds(sequence),
        Text = "note " + sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static List<SessionEvent> Notes(string sessionId, long first, int count)
    {
        var events = new List<SessionEvent>(count);
        for (var i = 0; i < count; i++)
        {
            events.Add(Note(sessionId, first + i));
        }

        return events;
    }

    /// <summary>Events of every derived type of <see cref="SessionEvent"/>, with optional members both set and left empty.</summary>
    public static List<SessionEvent> EveryKind(string sessionId)
    {
        var time = BaseTime.AddSeconds(1);
        List<SessionEvent> events =
        [
            new MessageEvent { Role = "system", Text = "You are helpful." },
            new MessageEvent { Role = "user", Text = "Héllo \"world\" 🌍\nline two", AuthorName = "ada" },
            new ToolCallEvent { CallId = "call-1", ToolName = "lookup_order", Arguments = "{\"orderId\":1234,\"deep\":{\"a\":[1,2]}}" },
            new ToolCallEvent { CallId = "call-2", ToolName = "no_args" },
            new ToolCallEvent { CallId = "call-3", ToolName = "lookup_order", ArgumentsError = "Error parsing function call arguments. Expected depth to be zero at the end of the JSON payload. Path: $ | LineNumber: 0 | BytePositionInLine: 14." },
            new ToolResultEvent { CallId = "call-1", ToolName = "lookup_order", Result = "{\"status\":\"shipped\"}" },
            new ToolResultEvent { CallId = "call-2", IsError = true, ErrorType = "System.TimeoutException", ErrorMessage = "The operation timed out after 30 s.", Result = "timed out" },
            new ModelResponseEvent
            {
                ModelId = "gpt-test",
                ResponseId = "resp-1",
                Latency = TimeSpan.FromMilliseconds(1234.5),
                Usage = new SessionUsage { InputTokens = 100, OutputTokens = 20, CachedInputTokens = 64, ModelCalls = 1, CostMinorUnits = 42 },
                FinishReason = "tool_calls",
                Streaming = true,
            },
            new ModelResponseEvent(),
            new ErrorEvent { ErrorType = "System.OperationCanceledException", Message = "cancelled", IsCancellation = true, Operation = "chat.stream" },
            new ErrorEvent { ErrorType = "System.Exception", Message = string.Empty },
            new ErrorEvent { ErrorType = "HttpRequestException", Message = "503", Operation = "orchestration.item", RetryStatus = ErrorRetryStatus.Retrying },
            new NoteEvent { Text = "done" },
            new OutcomeEvaluationStartedEvent { Iteration = 1, RubricId = "refund-summary", RubricVersion = 2 },
            new OutcomeEvaluationEndedEvent
            {
                Iteration = 1,
                RubricId = "refund-summary",
                Result = "needs_revision",
                Score = 0.5,
                Threshold = 0.75,
                Aggregation = "minimum",
                // One verdict says what its criterion counts for (a weight-0 gate), one does not (as recorded by earlier versions).
                Criteria =
                [
                    new CriterionVerdictRecord("content-1", "not_met", 0, "does not contain \"#W123\"") { Weight = 0, Required = true, Kind = "contains" },
                    new CriterionVerdictRecord("content-3", "skipped", null, null),
                ],
                GraderUsage = new SessionUsage { InputTokens = 300, OutputTokens = 40, ModelCalls = 1 },
            },
            new OutcomeEvaluationEndedEvent { Iteration = 2, RubricId = "refund-summary", Result = "failed", Error = "the agent failed" },
            new InsightsInjectedEvent { MemoryVersionId = "mv-1", InsightIds = ["ins-b", "ins-a"] },
            new InsightsInjectedEvent { MemoryVersionId = "mv-2", InsightIds = ["ins-c"], Scope = MemoryScope.Team("team-ä \"42\"") },
            new InsightsCitedEvent { InsightIds = ["ins-a"] },
            new OrchestrationStartedEvent { Goal = "Ship 2.0", ItemCount = 3, MaxConcurrency = 25, FailurePolicy = "stop_run", PlanSource = "host", MaxTotalTokens = 5000, MaxTotalCostMinorUnits = 250 },
            new OrchestrationItemCompletedEvent
            {
                ItemId = "draft",
                Agent = "writer",
                Status = "completed",
                ChildSessionId = "s2",
                Attempts = 2,
                Outcome = "satisfied",
                Usage = new SessionUsage { InputTokens = 10, OutputTokens = 5, ModelCalls = 1 },
            },
            new OrchestrationCompletedEvent { ItemCount = 3, Usage = new SessionUsage { InputTokens = 30 }, DurationMs = 1234.5 },
            new OrchestrationFailedEvent { Status = "budget_reached", Reason = "the items used 5,000 tokens", CompletedItems = 1, ItemCount = 3, ItemId = "draft", EstimatedTokens = 120 },
        ];

        for (var i = 0; i < events.Count; i++)
        {
            events[i] = events[i] with { SessionId = sessionId, Sequence = i + 1, Timestamp = time.AddMilliseconds(i * 1001.25) };
        }

        return events;
    }
}

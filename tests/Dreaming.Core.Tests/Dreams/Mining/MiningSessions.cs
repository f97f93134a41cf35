using System.Runtime.CompilerServices;

namespace Dreaming.Core.Tests.Dreams.Mining;

/// <summary>Builds synthetic sessions for the miner: tool calls with results or errors, model responses and rubric evaluations.</summary>
internal sealed class MiningSessions
{
    private readonly List<SessionEvent> _events = [];
    private readonly string _id;
    private SessionOutcome? _outcome;
    private SessionStatus _status = SessionStatus.Completed;
    private int _calls;
    private DateTimeOffset _at = DateTimeOffset.UnixEpoch;

    private MiningSessions(string id, SessionOutcome? outcome)
    {
        _id = id;
        _outcome = outcome;
    }

    public static MiningSessions Failed(string id) => new(id, SessionOutcome.Failed());

    public static MiningSessions Succeeded(string id) => new(id, SessionOutcome.Succeeded());

    public static MiningSessions Labelled(string id, string label) => new(id, new SessionOutcome { Label = label });

    public static MiningSessions WithoutOutcome(string id) => new(id, null);

    /// <summary>A session an outcome loop ended blocked: outcome label <c>failed</c>, status <see cref="SessionStatus.Blocked"/>.</summary>
    public static MiningSessions Blocked(string id) => new MiningSessions(id, new SessionOutcome { Label = "failed" }).WithStatus(SessionStatus.Blocked);

    /// <summary>Stamps the events added from now on with <paramref name="at"/> (the Unix epoch until then).</summary>
    public MiningSessions At(DateTimeOffset at)
    {
        _at = at;
        return this;
    }

    public MiningSessions WithStatus(SessionStatus status)
    {
        _status = status;
        return this;
    }

    /// <summary>Adds a call and its result; with <paramref name="error"/>, a failed result whose text is the error.</summary>
    public MiningSessions Call(string tool, string? arguments = "{}", string? error = null)
    {
        var callId = "call-" + (++_calls).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Add(new ToolCallEvent { CallId = callId, ToolName = tool, Arguments = arguments });
        Add(new ToolResultEvent { CallId = callId, ToolName = tool, Result = error ?? "ok", IsError = error is not null });
        return this;
    }

    /// <summary>Adds a call and its successful result.</summary>
    public MiningSessions CallWithResult(string tool, string arguments, string result)
    {
        var callId = "call-" + (++_calls).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Add(new ToolCallEvent { CallId = callId, ToolName = tool, Arguments = arguments });
        Add(new ToolResultEvent { CallId = callId, ToolName = tool, Result = result });
        return this;
    }

    /// <summary>Adds a message of the user.</summary>
    public MiningSessions UserMessage(string text)
    {
        Add(new MessageEvent { Role = "user", Text = text });
        return this;
    }

    /// <summary>Adds only a call; its result may come later with <see cref="Result"/>.</summary>
    public MiningSessions CallOnly(string callId, string tool, string? arguments = "{}")
    {
        Add(new ToolCallEvent { CallId = callId, ToolName = tool, Arguments = arguments });
        return this;
    }

    public MiningSessions Result(string callId, string? error = null, string? errorType = null, string? errorMessage = null)
    {
        Add(new ToolResultEvent { CallId = callId, Result = error ?? "ok", IsError = error is not null || errorMessage is not null, ErrorType = errorType, ErrorMessage = errorMessage });
        return this;
    }

    public MiningSessions Response(long totalTokens, string finishReason = "tool_calls")
    {
        Add(new ModelResponseEvent { Usage = new SessionUsage { InputTokens = totalTokens / 2, OutputTokens = totalTokens - (totalTokens / 2) }, FinishReason = finishReason });
        return this;
    }

    public MiningSessions Evaluation(string rubricId, params (string Id, string Verdict)[] criteria)
    {
        Add(new OutcomeEvaluationEndedEvent
        {
            Iteration = 1,
            RubricId = rubricId,
            Result = "needs_revision",
            Criteria = criteria.Select(c => new CriterionVerdictRecord(c.Id, c.Verdict, null, c.Verdict + " because of " + c.Id)).ToList(),
        });
        return this;
    }

    /// <summary>Adds an evaluation of the verdicts as recorded, with what each criterion counts for when they say.</summary>
    public MiningSessions Evaluation(string rubricId, params CriterionVerdictRecord[] criteria)
    {
        Add(new OutcomeEvaluationEndedEvent { Iteration = 1, RubricId = rubricId, Result = "needs_revision", Criteria = criteria });
        return this;
    }

    public MiningSessions Note(string text)
    {
        Add(new NoteEvent { Text = text });
        return this;
    }

    /// <summary>Adds the error event an orchestration item without a rubric records for a failed attempt (PlanExecution).</summary>
    public MiningSessions Error(string errorType, string message, string operation = "orchestration.item", bool cancellation = false)
    {
        Add(new ErrorEvent { ErrorType = errorType, Message = message, Operation = operation, IsCancellation = cancellation, RetryStatus = ErrorRetryStatus.Terminal });
        return this;
    }

    public SessionWithEvents Build() => new(
        new SessionRecord { Id = _id, AgentId = "agent", Task = "task", Status = _status, Outcome = _outcome, EventCount = _events.Count },
        _events.ToList());

    public static async IAsyncEnumerable<SessionWithEvents> Stream(IEnumerable<SessionWithEvents> sessions, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var session in sessions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return session;
        }
    }

    public static Task<MiningReport> MineAsync(IEnumerable<MiningSessions> sessions, MiningOptions? options = null) =>
        new FindingMiner().MineAsync(Stream(sessions.Select(s => s.Build())), options);

    private void Add(SessionEvent sessionEvent) =>
        _events.Add(sessionEvent with { SessionId = _id, Sequence = _events.Count + 1, Timestamp = _at });
}

using System.Globalization;
using Dreaming.Cli.Output;

namespace Dreaming.Cli.Commands;

/// <summary>The summary of each event on a line of the timeline.</summary>
/// <remarks>Every line is put on one line and cut to 100 characters by the caller (<see cref="Text.OneLine"/>, so a control
/// character in an id shows escaped); an id or a name in the middle of a line is cut here too, so a long one cannot push the
/// fields after it off the line, and free text (an error, a reason, a goal) comes last.</remarks>
internal static partial class SessionCommand
{
    private const int IdWidth = 40;

    private static string Describe(SessionEvent e, SessionRecord session) => e switch
    {
        MessageEvent m => m.Text,
        ToolCallEvent { ArgumentsError: { } argumentsError } c => $"{c.ToolName}({c.Arguments ?? "<arguments not read>"}) [{c.CallId}]: {argumentsError}",
        ToolCallEvent c => $"{c.ToolName}({c.Arguments}) [{c.CallId}]",
        ToolResultEvent r => ToolResult(r),
        ModelResponseEvent m => string.Create(CultureInfo.InvariantCulture, $"{m.ModelId} {m.Latency.TotalMilliseconds:0} ms, {m.Usage.InputTokens}+{m.Usage.OutputTokens} tokens{Cost(m.Usage)}{(string.IsNullOrEmpty(m.FinishReason) ? string.Empty : ", finish " + m.FinishReason)}"),
        ErrorEvent x => $"{(x.IsCancellation ? "canceled" : x.ErrorType)}: {x.Message}{(x.RetryStatus is null ? string.Empty : $" ({x.RetryStatus})")}",
        NoteEvent n => n.Text,
        InsightsInjectedEvent i => $"{Id(i.MemoryVersionId)} ({Id(i.Scope?.Key ?? "agent:" + session.AgentId)}), {Insights(i.InsightIds)}",
        InsightsCitedEvent c => Insights(c.InsightIds),
        OutcomeEvaluationStartedEvent s => string.Create(CultureInfo.InvariantCulture, $"iteration {s.Iteration}, rubric {Id(s.RubricId)} v{s.RubricVersion}"),
        OutcomeEvaluationEndedEvent x => Evaluation(x),
        OrchestrationStartedEvent o => string.Create(CultureInfo.InvariantCulture, $"{Count(o.ItemCount, "item")}, max concurrency {o.MaxConcurrency}, {o.FailurePolicy}, plan from {o.PlanSource}{(o.MaxTotalTokens is { } tokens ? $", budget {tokens} tokens" : string.Empty)}{(o.MaxTotalCostMinorUnits is { } cost ? $", budget {cost} minor units" : string.Empty)}: {o.Goal}"),
        OrchestrationItemCompletedEvent i => Item(i),
        OrchestrationCompletedEvent c => string.Create(CultureInfo.InvariantCulture, $"{Count(c.ItemCount, "item")} in {c.DurationMs:0} ms, {Tokens(c.Usage)}"),
        OrchestrationFailedEvent f => string.Create(CultureInfo.InvariantCulture, $"{f.Status}, {f.CompletedItems} of {Count(f.ItemCount, "item")} completed{(f.ItemId is null ? string.Empty : $", item {Id(f.ItemId)}")}, {Tokens(f.Usage)}{(f.EstimatedTokens > 0 ? $" (+{f.EstimatedTokens} estimated)" : string.Empty)}: {f.Reason}"),
        _ => e.GetType().Name,
    };

    // A tool that threw under UseFunctionInvocation() hands the model a generic text ("Error: Function failed." unless
    // IncludeDetailedErrors is set) as its result; the exception's type and message, which the event keeps, are what
    // tell a reader why the call failed, so they come first and the text the model got follows.
    private static string ToolResult(ToolResultEvent r)
    {
        if (!r.IsError)
        {
            return $"{r.ToolName}: {r.Result}";
        }

        var thrown = (r.ErrorType, r.ErrorMessage) switch
        {
            (null, null) => null,
            ({ } type, null) => type,
            (null, { } message) => message,
            ({ } type, { } message) => $"{type}: {message}",
        };
        return thrown is null ? $"ERROR {r.ToolName}: {r.Result}"
            : r.Result is null ? $"ERROR {r.ToolName}: {thrown}"
            : $"ERROR {r.ToolName}: {thrown} (result: {r.Result})";
    }

    // An evaluation cancelled while grading ends "interrupted" with no score, threshold or aggregation recorded (their
    // defaults, 0 and weighted_mean): the line says it was not scored rather than show a score of 0 no grader gave.
    // The required criteria not met (as recorded since verdicts say what their criterion counts for) come right after the
    // result, before the score: they failed the iteration whatever the score was, and the line is cut at 100 characters.
    private static string Evaluation(OutcomeEvaluationEndedEvent e) => string.Create(
        CultureInfo.InvariantCulture,
        $"iteration {e.Iteration}, rubric {Id(e.RubricId)}: {e.Result}{FailedRequired(e)}, {Score(e)}{(e.GraderUsage.TotalTokens > 0 || e.GraderUsage.CostMinorUnits > 0 ? ", grader " + Tokens(e.GraderUsage) : string.Empty)}{(e.Error is null ? string.Empty : ": " + e.Error)}");

    // What happened to each required criterion that failed the iteration, by what its verdict says: not met (or partially
    // met), errored (the grader or the check could not judge it) or skipped (no grader). Calling an errored one "not met"
    // would send the reader to the work when it is the grading that failed.
    private static string FailedRequired(OutcomeEvaluationEndedEvent e)
    {
        if (!e.Criteria.Any(static c => c.FailedRequired))
        {
            return string.Empty;
        }

        var parts = e.Criteria.Where(static c => c.FailedRequired)
            .GroupBy(static c => c.Verdict switch { "error" => 1, "skipped" => 2, _ => 0 })
            .OrderBy(static g => g.Key)
            .Select(static g => $"required {(g.Key switch { 1 => "errored", 2 => "skipped", _ => "not met" })}: {string.Join(", ", g.Select(static c => Id(c.Id)))}");
        return " (" + string.Join("; ", parts) + ")";
    }

    private static string Score(OutcomeEvaluationEndedEvent e) =>
        string.Equals(e.Result, OutcomeResultNames.Of(OutcomeResult.Interrupted), StringComparison.Ordinal)
            ? "not scored"
            : string.Create(CultureInfo.InvariantCulture, $"score {e.Score:0.###} (threshold {e.Threshold:0.###}, {e.Aggregation})");

    private static string Item(OrchestrationItemCompletedEvent e) => string.Create(
        CultureInfo.InvariantCulture,
        $"{Id(e.ItemId)} ({Id(e.Agent)}): {e.Status}, {Count(e.Attempts, "attempt")}{(e.Outcome is null ? string.Empty : ", outcome " + e.Outcome)}{(e.ChildSessionId is null ? string.Empty : ", session " + Id(e.ChildSessionId))}, {Tokens(e.Usage)}{(e.Error is null ? string.Empty : ": " + e.Error)}");

    // The count first, so that a list cut at the end of the line still says how long it was.
    private static string Insights(IReadOnlyList<string> ids) =>
        Count(ids.Count, "insight") + (ids.Count == 0 ? string.Empty : ": " + string.Join(", ", ids.Select(Id)));

    private static string Tokens(SessionUsage usage) =>
        string.Create(CultureInfo.InvariantCulture, $"{usage.InputTokens}+{usage.OutputTokens} tokens{Cost(usage)}");

    private static string Count(long count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? string.Empty : "s")}");

    private static string Id(string? id) => Text.Cut(Text.OneLine(id), IdWidth);
}

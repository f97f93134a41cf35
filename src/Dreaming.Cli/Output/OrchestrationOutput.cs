using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dreaming.Cli.Output;

/// <summary>How the tool shows an orchestration run: a JSON document, or a timeline of the items.</summary>
internal static class OrchestrationOutput
{
    // Every documented field is written, null when it has no value (an item that never started has no times, session
    // or output), so that readers see one shape.
    private static readonly JsonSerializerOptions s_json = new(CliJson.Options) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public static void WriteJson(TextWriter output, OrchestrationRun run, string model, bool simulated) =>
        output.WriteLine(JsonSerializer.Serialize(Json(run, model, simulated), s_json));

    public static object Json(OrchestrationRun run, string model, bool simulated) => new
    {
        simulated,
        model,
        sessionId = run.SessionId,
        status = run.Status,
        error = run.Error,
        startedAt = run.StartedAt,
        endedAt = run.EndedAt,
        usage = new { inputTokens = run.Usage.InputTokens, outputTokens = run.Usage.OutputTokens, costMinorUnits = run.Usage.CostMinorUnits },
        items = run.Items.Select(i => new
        {
            id = i.Id,
            agent = i.Agent,
            status = i.Status,
            startedAt = i.StartedAt,
            endedAt = i.EndedAt,
            sessionId = i.SessionId,
            attempts = i.Attempts,
            outcome = i.Outcome is { } outcome ? OutcomeResultNames.Of(outcome) : null,
            score = i.Score,
            usage = new { inputTokens = i.Usage.InputTokens, outputTokens = i.Usage.OutputTokens, costMinorUnits = i.Usage.CostMinorUnits },
            output = i.Output,
            error = i.Error,
        }),
        finalAnswer = run.FinalAnswer,
    };

    /// <summary>Writes one line per item with its start and end as offsets from the run's start, so overlaps show.</summary>
    public static void WriteTimeline(TextWriter output, OrchestrationRun run)
    {
        var width = Math.Min(24, run.Items.Max(i => i.Id.Length));
        foreach (var item in run.Items)
        {
            var span = item.StartedAt is { } start && item.EndedAt is { } end
                ? string.Create(CultureInfo.InvariantCulture, $"+{(start - run.StartedAt).TotalSeconds:0.00}s -> +{(end - run.StartedAt).TotalSeconds:0.00}s")
                : "not run";
            var detail = item.Status == WorkItemStatus.Completed ? item.Output : item.Error;
            output.WriteLine($"  {span,-20}  {Text.Cut(item.Id, width).PadRight(width)}  {OrchestrationNames.Of(item.Status),-15}  {item.SessionId ?? "-",-36}  {Text.Cut(Text.OneLine(detail), 70)}");
        }
    }
}

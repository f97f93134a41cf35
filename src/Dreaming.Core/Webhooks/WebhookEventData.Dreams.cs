using System.Text.Json.Nodes;

namespace Dreaming;

/// <summary>The data of the events of dream runs and memory versions: a run's end, an insight quarantined, a memory
/// version proposed, approved, rejected or rolled back, a budget reached.</summary>
public static partial class WebhookEventData
{
    /// <summary>The type and data of the event a dream run's end raises: <c>dream.completed</c>, <c>dream.failed</c> or
    /// <c>dream.canceled</c> (one shape for the three; <c>error</c> only when the run has one).</summary>
    /// <param name="run">The finished run.</param>
    /// <param name="full">Whether to include each change's text and reason.</param>
    /// <returns>The type and data.</returns>
    public static (string Type, JsonObject Data) DreamEnded(DreamRun run, bool full = false)
    {
        ArgumentNullException.ThrowIfNull(run);
        var results = run.Results;
        var data = new JsonObject
        {
            ["dream_run_id"] = run.Id,
            ["scope"] = run.Scope.Key,
            ["status"] = run.Status.ToString().ToLowerInvariant(),
            ["sessions"] = results.SessionIds.Count,
            ["findings"] = results.Report.Findings.Count,
            ["changes"] = results.Report.Changes.Count,
            ["input_version_id"] = results.InputVersionId,
            ["output_version_id"] = results.OutputVersionId,
        };
        if (results.Note is not null)
        {
            data["note"] = results.Note;
        }

        if (run.Error is not null)
        {
            data["error"] = run.Error;
        }

        if (full)
        {
            data["change_list"] = new JsonArray([.. results.Report.Changes.Select(c => (JsonNode)new JsonObject
            {
                ["op"] = c.Op.ToString().ToLowerInvariant(),
                ["insight_id"] = c.InsightId,
                ["text"] = c.Text,
                ["reason"] = c.Reason,
            })]);
        }

        return (DreamEndedType(run.Status), data);
    }

    /// <summary>Returns the type of the event a dream run's end raises: <c>dream.completed</c>, <c>dream.canceled</c>, else
    /// <c>dream.failed</c>.</summary>
    /// <param name="status">The run's final status.</param>
    /// <returns>The event type.</returns>
    public static string DreamEndedType(DreamRunStatus status) => status switch
    {
        DreamRunStatus.Completed => WebhookEventTypes.DreamCompleted,
        DreamRunStatus.Canceled => WebhookEventTypes.DreamCanceled,
        _ => WebhookEventTypes.DreamFailed,
    };

    /// <summary>The data of <c>insight.quarantined</c>: one insight a dream held back.</summary>
    /// <param name="run">The dream run.</param>
    /// <param name="change">The quarantine change.</param>
    /// <param name="full">Whether to include the insight's text.</param>
    /// <returns>The data.</returns>
    public static JsonObject InsightQuarantined(DreamRun run, DreamChange change, bool full = false)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(change);
        var data = new JsonObject
        {
            ["insight_id"] = change.InsightId,
            ["dream_run_id"] = run.Id,
            ["scope"] = run.Scope.Key,
            ["memory_version_id"] = run.Results.OutputVersionId,
            ["reason"] = change.Reason,
        };
        if (full)
        {
            data["text"] = change.Text;
        }

        return data;
    }

    /// <summary>The data of <c>memory.version_proposed</c> and <c>memory.version_activated</c>.</summary>
    /// <param name="version">The version.</param>
    /// <param name="full">Whether to include the insights' texts.</param>
    /// <returns>The data.</returns>
    public static JsonObject MemoryVersion(MemoryVersion version, bool full = false)
    {
        ArgumentNullException.ThrowIfNull(version);
        var data = new JsonObject
        {
            ["memory_version_id"] = version.Id,
            ["scope"] = version.Scope.Key,
            ["number"] = version.Number,
            ["state"] = version.State.ToString().ToLowerInvariant(),
            ["parent_version_id"] = version.ParentVersionId,
            ["restored_from_version_id"] = version.RestoredFromVersionId,
            ["author"] = version.Author.ToString(),
            ["insights"] = version.Insights.Count,
        };
        if (full)
        {
            data["insight_list"] = new JsonArray([.. version.Insights.Select(i => (JsonNode)new JsonObject { ["id"] = i.Id, ["status"] = i.Status.ToString().ToLowerInvariant(), ["text"] = i.Text })]);
        }

        return data;
    }

    /// <summary>The data of <c>memory.version_rejected</c>: that of <see cref="MemoryVersion"/>, plus <c>reviewer</c> (who
    /// rejected it) and <c>reason</c> (as the reviewer gave it, or <see langword="null"/>).</summary>
    /// <param name="version">The rejected version.</param>
    /// <param name="full">Whether to include the insights' texts.</param>
    /// <returns>The data.</returns>
    public static JsonObject MemoryVersionRejected(MemoryVersion version, bool full = false)
    {
        var data = MemoryVersion(version, full);
        data["reviewer"] = version.ReviewedBy?.ToString();
        data["reason"] = version.ReviewNote;
        return data;
    }

    /// <summary>The data of a <c>memory.*</c> event: <see cref="MemoryVersionRejected"/> for <c>memory.version_rejected</c>,
    /// else <see cref="MemoryVersion"/>.</summary>
    /// <param name="eventType">The event type.</param>
    /// <param name="version">The version.</param>
    /// <param name="full">Whether to include the insights' texts.</param>
    /// <returns>The data.</returns>
    public static JsonObject MemoryEvent(string eventType, MemoryVersion version, bool full = false) =>
        eventType == WebhookEventTypes.MemoryVersionRejected ? MemoryVersionRejected(version, full) : MemoryVersion(version, full);

    /// <summary>The data of <c>budget.reached</c>.</summary>
    /// <param name="budget">Which budget, such as <c>dream.tokens</c>.</param>
    /// <param name="limit">Its value.</param>
    /// <param name="used">How much was used when it was reached.</param>
    /// <param name="subjectId">The id of the run or session it stopped.</param>
    /// <returns>The data.</returns>
    public static JsonObject BudgetReached(string budget, double limit, double used, string subjectId) => new()
    {
        ["budget"] = budget,
        ["limit"] = limit,
        ["used"] = used,
        ["subject_id"] = subjectId,
    };

    /// <summary>The data of <c>budget.reached</c> for a dream that stopped at its <see cref="DreamRunRequest.TokenBudget"/>.</summary>
    /// <param name="run">The finished run, whose results say the budget was reached.</param>
    /// <returns>The data: <c>budget</c> (<c>dream.tokens</c>), <c>limit</c>, <c>used</c> (the tokens the budget counted,
    /// <see cref="DreamRunResults.BudgetTokensUsed"/>: reported, plus estimated for model calls that reported none),
    /// <c>used_includes_estimate</c> (whether it does), <c>subject_id</c> (the run), <c>dream_run_id</c>, <c>scope</c>, <c>note</c>.</returns>
    public static JsonObject DreamBudgetReached(DreamRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var data = BudgetReached("dream.tokens", run.Request.TokenBudget ?? 0, run.Results.BudgetTokensUsed, run.Id);
        data["used_includes_estimate"] = run.Results.BudgetTokensEstimated;
        data["dream_run_id"] = run.Id;
        data["scope"] = run.Scope.Key;
        if (run.Results.Note is not null)
        {
            data["note"] = run.Results.Note;
        }

        return data;
    }
}

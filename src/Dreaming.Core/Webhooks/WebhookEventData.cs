using System.Globalization;
using System.Text.Json.Nodes;

namespace Dreaming;

/// <summary>Builds the <c>data</c> of each event of the catalogue: the ids of what changed and a small summary. Full payloads
/// (artifacts, insight texts, the task) are added only when asked for.</summary>
public static partial class WebhookEventData
{
    /// <summary>The type and data of the event a session's end raises: <c>session.completed</c> for
    /// <see cref="SessionStatus.Completed"/>, <c>session.failed</c> for every other final status.</summary>
    /// <param name="completion">The completion.</param>
    /// <param name="agentId">The agent.</param>
    /// <param name="parentSessionId">The parent session, if any.</param>
    /// <param name="task">The (redacted) task, included only with <paramref name="full"/>.</param>
    /// <param name="full">Whether to include the task.</param>
    /// <returns>The type and data.</returns>
    public static (string Type, JsonObject Data) SessionEnded(SessionCompletion completion, string agentId, string? parentSessionId, string? task = null, bool full = false) =>
        SessionEnded(completion, agentId, parentSessionId, scope: null, task, full);

    /// <summary>The type and data of the event a session's end raises, with the session's team or tenant scope: <c>scope</c>
    /// is in the data when <paramref name="scope"/> is neither <see langword="null"/> nor blank (a blank scope is no team), so a
    /// receiver can route by team.</summary>
    /// <param name="completion">The completion.</param>
    /// <param name="agentId">The agent.</param>
    /// <param name="parentSessionId">The parent session, if any.</param>
    /// <param name="scope">The session's team or tenant scope (<see cref="SessionRecord.Scope"/>), if any; blank is none.</param>
    /// <param name="task">The (redacted) task, included only with <paramref name="full"/>.</param>
    /// <param name="full">Whether to include the task.</param>
    /// <returns>The type and data.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="completion"/> is <see langword="null"/>.</exception>
    /// <remarks>Thread-safe: it builds a new object from its arguments.</remarks>
    public static (string Type, JsonObject Data) SessionEnded(SessionCompletion completion, string agentId, string? parentSessionId, string? scope, string? task, bool full)
    {
        ArgumentNullException.ThrowIfNull(completion);
        var data = new JsonObject
        {
            ["session_id"] = completion.SessionId,
            ["agent_id"] = agentId,
            ["status"] = SessionStatusNames.Of(completion.Status),
            ["ended_at"] = completion.EndedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["input_tokens"] = completion.Usage.InputTokens,
            ["output_tokens"] = completion.Usage.OutputTokens,
            ["model_calls"] = completion.Usage.ModelCalls,
            ["cost_minor_units"] = completion.Usage.CostMinorUnits,
        };
        if (parentSessionId is not null)
        {
            data["parent_session_id"] = parentSessionId;
        }

        // A blank scope is no team (no team memory, no team dream), as UseDreaming() reads it.
        if (!string.IsNullOrWhiteSpace(scope))
        {
            data["scope"] = scope;
        }

        if (completion.Outcome is { } outcome)
        {
            data["outcome"] = new JsonObject { ["label"] = outcome.Label, ["score"] = outcome.Score, ["source"] = outcome.Source };
        }

        if (full && task is not null)
        {
            data["task"] = task;
        }

        return (SessionEndedType(completion.Status), data);
    }

    /// <summary>Returns the type of the event a session's end raises: <c>session.completed</c>, else <c>session.failed</c>.</summary>
    /// <param name="status">The session's final status.</param>
    /// <returns>The event type.</returns>
    public static string SessionEndedType(SessionStatus status) =>
        status == SessionStatus.Completed ? WebhookEventTypes.SessionCompleted : WebhookEventTypes.SessionFailed;

    /// <summary>The data of <c>outcome.evaluation_ended</c>.</summary>
    /// <param name="sessionId">The loop's session.</param>
    /// <param name="agentId">The agent.</param>
    /// <param name="ended">The iteration's event.</param>
    /// <param name="full">Whether to include each criterion's verdict and reason (and, when recorded, its weight, required
    /// flag and kind); the ids of the required criteria not met (<c>failed_required</c>), and of those of them in error or
    /// skipped (<c>errored_required</c>, <c>skipped_required</c>), are in both.</param>
    /// <returns>The data.</returns>
    public static JsonObject OutcomeEvaluationEnded(string sessionId, string agentId, OutcomeEvaluationEndedEvent ended, bool full = false)
    {
        ArgumentNullException.ThrowIfNull(ended);
        var data = new JsonObject
        {
            ["session_id"] = sessionId,
            ["agent_id"] = agentId,
            ["iteration"] = ended.Iteration,
            ["rubric_id"] = ended.RubricId,
            ["result"] = ended.Result,
            ["score"] = ended.Score,
            ["threshold"] = ended.Threshold,
            ["aggregation"] = ended.Aggregation,
            ["passed"] = ended.Passed,
        };
        if (ended.Error is not null)
        {
            data["error"] = ended.Error;
        }

        // The gates that failed the iteration whatever its score: criterion ids only, so thin payloads carry them too. Of
        // them, the ones not judged at all (error: the grader could not; skipped: no grader) are named apart, additively,
        // so a receiver can tell a gate the work failed from one that was never checked.
        if (ended.Criteria.Any(static c => c.FailedRequired))
        {
            data["failed_required"] = new JsonArray([.. ended.Criteria.Where(static c => c.FailedRequired).Select(static c => (JsonNode?)c.Id)]);
            AddRequired(data, "errored_required", ended.Criteria, "error");
            AddRequired(data, "skipped_required", ended.Criteria, "skipped");
        }

        if (full)
        {
            data["criteria"] = new JsonArray([.. ended.Criteria.Select(Criterion)]);
        }

        return data;
    }

    private static void AddRequired(JsonObject data, string name, IReadOnlyList<CriterionVerdictRecord> criteria, string verdict)
    {
        if (criteria.Any(c => c.FailedRequired && c.Verdict == verdict))
        {
            data[name] = new JsonArray([.. criteria.Where(c => c.FailedRequired && c.Verdict == verdict).Select(static c => (JsonNode?)c.Id)]);
        }
    }

    // A verdict recorded before weights were has none of weight, required and kind: they are left out, not written null.
    private static JsonNode Criterion(CriterionVerdictRecord c)
    {
        var criterion = new JsonObject { ["id"] = c.Id, ["verdict"] = c.Verdict, ["score"] = c.Score, ["reason"] = c.Reason };
        if (c.Weight is { } weight)
        {
            criterion["weight"] = weight;
        }

        if (c.Required is { } required)
        {
            criterion["required"] = required;
        }

        if (c.Kind is { } kind)
        {
            criterion["kind"] = kind;
        }

        return criterion;
    }

    /// <summary>The type and data of the event an outcome loop's end raises: <c>outcome.satisfied</c> or <c>outcome.unsatisfied</c>.</summary>
    /// <param name="run">The loop's result.</param>
    /// <param name="agentId">The agent.</param>
    /// <param name="rubric">The rubric.</param>
    /// <param name="full">Whether to include the final artifact.</param>
    /// <returns>The type and data.</returns>
    public static (string Type, JsonObject Data) OutcomeEnded(OutcomeRun run, string agentId, Rubric rubric, bool full = false)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(rubric);
        var data = new JsonObject
        {
            ["session_id"] = run.SessionId,
            ["agent_id"] = agentId,
            ["rubric_id"] = rubric.Id,
            ["rubric_version"] = rubric.Version,
            ["result"] = OutcomeResultNames.Of(run.Result),
            ["iterations"] = run.Iterations,
            ["score"] = run.FinalEvaluation?.Score,
            ["aggregation"] = RubricAggregationNames.Of(rubric.Aggregation),
            ["blocked"] = run.Blocked,
        };
        if (run.Error is not null)
        {
            data["error"] = run.Error;
        }

        if (full && run.FinalArtifact is not null)
        {
            data["artifact"] = run.FinalArtifact;
        }

        return (run.Result == OutcomeResult.Satisfied ? WebhookEventTypes.OutcomeSatisfied : WebhookEventTypes.OutcomeUnsatisfied, data);
    }

    /// <summary>The webhook event id (<c>webhook-id</c>) of the <c>orchestration.failed</c> that crash recovery raises for a
    /// run it ended: <c>msg_</c> and 32 hexadecimal digits of a SHA-256 of the event type, the run's session id and the event's
    /// sequence number, so the same for every process that raises it. The outbox refuses an event id it already holds, so
    /// the event is written once, whether by the app's webhook observer, by <c>dreaming sessions abandon</c> (unrouted), by
    /// a recovery that died before ending the session or by the next one, which tells it again.</summary>
    /// <param name="abandoned">The event recovery wrote (status <see cref="OrchestrationFailedEvent.AbandonedStatus"/>), with its
    /// session id and sequence number.</param>
    /// <returns>The event id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="abandoned"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="abandoned"/> is not a recovery's (its status is not
    /// <c>abandoned</c>), or has no session id or sequence number.</exception>
    public static string AbandonedRunEventId(OrchestrationFailedEvent abandoned)
    {
        ArgumentNullException.ThrowIfNull(abandoned);
        if (abandoned.Status != OrchestrationFailedEvent.AbandonedStatus || string.IsNullOrEmpty(abandoned.SessionId) || abandoned.Sequence <= 0)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The event is not one crash recovery wrote: status '{abandoned.Status}', session id '{abandoned.SessionId}', sequence {abandoned.Sequence} (expected status '{OrchestrationFailedEvent.AbandonedStatus}', a session id and a sequence number)."),
                nameof(abandoned));
        }

        var key = System.Text.Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{WebhookEventTypes.OrchestrationFailed}\n{abandoned.SessionId}\n{abandoned.Sequence}"));
        return "msg_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(key), 0, 16);
    }

    /// <summary>The type and data of the webhook event an orchestration event raises.</summary>
    /// <param name="sessionEvent">An <see cref="OrchestrationStartedEvent"/>, <see cref="OrchestrationItemCompletedEvent"/>,
    /// <see cref="OrchestrationCompletedEvent"/> or <see cref="OrchestrationFailedEvent"/>, with its session id.</param>
    /// <param name="full">Whether to include the goal and item errors.</param>
    /// <returns>The type and data, or <see langword="null"/> for any other event.</returns>
    public static (string Type, JsonObject Data)? Orchestration(SessionEvent sessionEvent, bool full = false)
    {
        ArgumentNullException.ThrowIfNull(sessionEvent);
        var data = new JsonObject { ["orchestration_session_id"] = sessionEvent.SessionId };
        switch (sessionEvent)
        {
            case OrchestrationStartedEvent started:
                data["item_count"] = started.ItemCount;
                data["max_concurrency"] = started.MaxConcurrency;
                data["failure_policy"] = started.FailurePolicy;
                data["plan_source"] = started.PlanSource;
                data["max_total_tokens"] = started.MaxTotalTokens;
                data["max_total_cost_minor_units"] = started.MaxTotalCostMinorUnits;
                if (full)
                {
                    data["goal"] = started.Goal;
                }

                return (WebhookEventTypes.OrchestrationStarted, data);
            case OrchestrationItemCompletedEvent item:
                data["item_id"] = item.ItemId;
                data["agent"] = item.Agent;
                data["status"] = item.Status;
                data["child_session_id"] = item.ChildSessionId;
                data["attempts"] = item.Attempts;
                data["outcome"] = item.Outcome;
                AddUsage(data, item.Usage);
                if (full && item.Error is not null)
                {
                    data["error"] = item.Error;
                }

                return (WebhookEventTypes.OrchestrationItemCompleted, data);
            case OrchestrationCompletedEvent completed:
                data["status"] = "completed";
                data["item_count"] = completed.ItemCount;
                data["duration_ms"] = Math.Round(completed.DurationMs, 1);
                AddUsage(data, completed.Usage);
                return (WebhookEventTypes.OrchestrationCompleted, data);
            case OrchestrationFailedEvent failed:
                data["status"] = failed.Status;
                data["reason"] = failed.Reason;
                data["completed_items"] = failed.CompletedItems;
                data["item_count"] = failed.ItemCount;
                data["item_id"] = failed.ItemId;
                AddUsage(data, failed.Usage);
                return (WebhookEventTypes.OrchestrationFailed, data);
            default:
                return null;
        }
    }

    private static void AddUsage(JsonObject data, SessionUsage usage)
    {
        data["input_tokens"] = usage.InputTokens;
        data["output_tokens"] = usage.OutputTokens;
        data["cost_minor_units"] = usage.CostMinorUnits;
    }
}

using System.Text;
using System.Text.Json;

namespace Dreaming;

/// <summary>Gives the properties a stored payload or report leaves out the values their initializers give, as the
/// reflection-based reader did.</summary>
/// <remarks>
/// Shared source, compiled into each store assembly (internal in each): the SQLite and PostgreSQL stores read the same payloads the same way.
/// A source-generated context creates a type with init-only properties through an object initializer that sets every
/// one of them, so a property missing from the JSON gets <see langword="default"/> rather than its initializer's value
/// (dotnet/runtime#84484): a row written before the property existed, or rewritten by another tool without it, read
/// <see cref="ModelResponseEvent.Usage"/> as <see langword="null"/> and <see cref="OutcomeEvaluationStartedEvent.RubricVersion"/>
/// as 0. The payloads this library writes hold every property, so they are returned as they are. A property given a
/// non-default initializer in a stored type needs its line here; the store's tests read each type with only its
/// required properties and compare it with the reflection-based reader.
/// </remarks>
internal static class StoreJsonDefaults
{
    private static readonly byte[] RubricVersionName = Encoding.UTF8.GetBytes(nameof(OutcomeEvaluationStartedEvent.RubricVersion));

    /// <summary>Completes an event read from <paramref name="payload"/>.</summary>
    public static SessionEvent Complete(SessionEvent sessionEvent, string payload) => sessionEvent switch
    {
        ModelResponseEvent { Usage: null } response => response with { Usage = SessionUsage.Zero },
        OrchestrationCompletedEvent { Usage: null } completed => completed with { Usage = SessionUsage.Zero },
        OrchestrationFailedEvent { Usage: null } failed => failed with { Usage = SessionUsage.Zero },
        OrchestrationItemCompletedEvent { Usage: null } item => item with { Usage = SessionUsage.Zero },
        OutcomeEvaluationEndedEvent ended when ended.Aggregation is null || ended.Criteria is null || ended.GraderUsage is null => ended with
        {
            Aggregation = ended.Aggregation ?? RubricAggregationNames.WeightedMean,
            Criteria = ended.Criteria ?? [],
            GraderUsage = ended.GraderUsage ?? SessionUsage.Zero,
        },
        // 0 written is kept, as reflection kept it; only a missing version is the initializer's 1.
        OutcomeEvaluationStartedEvent { RubricVersion: 0 } started when !HasTopLevelProperty(payload, RubricVersionName) => started with { RubricVersion = 1 },
        _ => sessionEvent,
    };

    /// <summary>Completes a dream report: its findings, changes and each finding's evidence are never null.</summary>
    public static DreamReport Complete(DreamReport report)
    {
        if (report.Findings is not null && report.Changes is not null && !report.Findings.Any(static finding => finding is { Evidence: null }))
        {
            return report;
        }

        return report with
        {
            Findings = report.Findings is null ? [] : [.. report.Findings.Select(static finding => finding is { Evidence: null } ? finding with { Evidence = [] } : finding)],
            Changes = report.Changes ?? [],
        };
    }

    private static bool HasTopLevelProperty(string payload, byte[] name)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(payload));
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals(name))
            {
                return true;
            }
        }

        return false;
    }
}

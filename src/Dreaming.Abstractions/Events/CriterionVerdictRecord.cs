using System.Text.Json.Serialization;

namespace Dreaming;

/// <summary>A criterion's verdict as recorded in the trace.</summary>
/// <remarks>
/// Besides the verdict, the outcome loop records what the criterion counts for (<see cref="Weight"/>, <see cref="Required"/>)
/// and how it is checked (<see cref="Kind"/>), so a reader of the trace can tell a gate from a criterion that is only
/// reported without the rubric; not its text, which would be copied into every iteration. An event recorded before these
/// were has none of them: they read as <see langword="null"/> (unknown), are not written when <see langword="null"/>, and
/// <see cref="IsReportOnly"/> and <see cref="FailedRequired"/> are then <see langword="false"/>.
/// </remarks>
/// <param name="Id">The criterion id.</param>
/// <param name="Verdict">The verdict's wire name: <c>met</c>, <c>partially_met</c>, <c>not_met</c>, <c>error</c> or <c>skipped</c>.</param>
/// <param name="Score">The score, if any.</param>
/// <param name="Reason">Why.</param>
public sealed record CriterionVerdictRecord(string Id, string Verdict, double? Score, string? Reason)
{
    /// <summary>Gets the criterion's weight (<see cref="RubricCriterion.Weight"/>): 0 means reported but not scored.</summary>
    /// <value><see langword="null"/> when not recorded (an event of an earlier version, or one a host made without it).</value>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Weight { get; init; }

    /// <summary>Gets a value indicating whether failing the criterion fails the rubric whatever the score (<see cref="RubricCriterion.Required"/>).</summary>
    /// <value><see langword="null"/> when not recorded.</value>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Required { get; init; }

    /// <summary>Gets how the criterion is checked, as its wire name (<see cref="CriterionKindNames"/>): <c>model</c> for one judged
    /// by the grader model, otherwise the deterministic check (<c>contains</c>, <c>regex</c>, …).</summary>
    /// <value><see langword="null"/> when not recorded.</value>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Kind { get; init; }

    /// <summary>Gets a value indicating whether the criterion is report only: weight 0 and not required, so its verdict
    /// never moved the score nor failed the rubric (a verdict in <c>error</c> still fails it).</summary>
    /// <value><see langword="false"/> when the weight or the required flag was not recorded.</value>
    [JsonIgnore]
    public bool IsReportOnly => Weight == 0 && Required == false;

    /// <summary>Gets a value indicating whether the criterion is required and its verdict is not <c>met</c>: it failed the
    /// rubric whatever the score.</summary>
    /// <value><see langword="false"/> when the required flag was not recorded.</value>
    [JsonIgnore]
    public bool FailedRequired => Required == true && !string.Equals(Verdict, "met", StringComparison.Ordinal);
}

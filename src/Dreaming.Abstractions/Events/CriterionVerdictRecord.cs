namespace Dreaming;

/// <summary>A criterion's verdict as recorded in the trace.</summary>
/// <param name="Id">The criterion id.</param>
/// <param name="Verdict">The verdict's wire name: <c>met</c>, <c>partially_met</c>, <c>not_met</c>, <c>error</c> or <c>skipped</c>.</param>
/// <param name="Score">The score, if any.</param>
/// <param name="Reason">Why.</param>
public sealed record CriterionVerdictRecord(string Id, string Verdict, double? Score, string? Reason);

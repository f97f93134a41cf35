using System.Globalization;

namespace Dreaming.Cli.Output;

/// <summary>Text output of memory versions and diffs.</summary>
internal static class MemoryText
{
    public static string State(MemoryVersionState state) => state switch
    {
        MemoryVersionState.Proposed => "proposed",
        MemoryVersionState.Active => "active",
        MemoryVersionState.Rejected => "rejected",
        MemoryVersionState.Superseded => "superseded",
        _ => "unknown",
    };

    public static void WriteVersion(TextWriter output, MemoryVersion v)
    {
        output.WriteLine($"memory    {v.Scope} v{v.Number} ({v.Id})");
        output.WriteLine($"state     {State(v.State)}{(v.ReviewedBy is null ? string.Empty : $", reviewed by {Text.OneLine(v.ReviewedBy.ToString())}")}");
        output.WriteLine($"author    {Text.OneLine(v.Author.ToString())}, {v.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC");
        if (v.ParentVersionId is not null)
        {
            output.WriteLine($"parent    {v.ParentVersionId}{(v.RestoredFromVersionId is null ? string.Empty : $" (restores {v.RestoredFromVersionId})")}");
        }

        if (!string.IsNullOrWhiteSpace(v.Note))
        {
            output.WriteLine($"note      {Text.OneLine(v.Note)}");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"insights  {v.Insights.Count}"));
        output.WriteLine();
        foreach (var insight in v.Insights)
        {
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  {Text.OneLine(insight.Id)}  {insight.Kind.ToString().ToUpperInvariant()}  {insight.Status.ToString().ToUpperInvariant()}  +{insight.Helpful}/-{insight.Harmful} seen {insight.Seen}  {Evidence(insight.Evidence)}"));
            output.WriteLine($"    {Text.OneLine(insight.Text)}");
        }
    }

    // The sessions that taught an insight, each once, as ranking counts them; and the entries (session and event, as the
    // agent view's memory page lists them) when a session is cited at more than one event.
    private static string Evidence(IReadOnlyList<InsightEvidence> evidence)
    {
        if (evidence.Count == 0)
        {
            return "no evidence";
        }

        var sessions = evidence.Select(e => e.SessionId).Distinct(StringComparer.Ordinal).Count();
        var text = string.Create(CultureInfo.InvariantCulture, $"{sessions} {(sessions == 1 ? "session" : "sessions")}");
        return sessions == evidence.Count ? text : string.Create(CultureInfo.InvariantCulture, $"{text} ({evidence.Count} entries)");
    }

    public static void WriteDiff(TextWriter output, MemoryDiff diff)
    {
        if (diff.IsEmpty)
        {
            output.WriteLine("no differences");
            return;
        }

        foreach (var added in diff.Added)
        {
            output.WriteLine($"+ {Text.OneLine(added.Id)}  {Text.OneLine(added.Text)}");
        }

        foreach (var removed in diff.Removed)
        {
            output.WriteLine($"- {Text.OneLine(removed.Id)}  {Text.OneLine(removed.Text)}");
        }

        foreach (var changed in diff.Changed)
        {
            output.WriteLine($"~ {Text.OneLine(changed.InsightId)}");
            foreach (var field in changed.Fields)
            {
                output.WriteLine($"    {field.Field}: {Text.Cut(Text.OneLine(field.Before), 60)} -> {Text.Cut(Text.OneLine(field.After), 60)}");
            }
        }
    }
}

using Dreaming.Cli.Output;

namespace Dreaming.Cli.Tests;

/// <summary>'memory show' counts an insight's evidence as the sessions that taught it, as ranking does, and says how many
/// entries (session and event, as the agent view's memory page lists them) there are when one session is cited more than once.</summary>
public class MemoryTextEvidenceTests
{
    private static readonly DateTimeOffset s_time = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_insight_citing_one_session_at_several_events_counts_one_session_and_its_entries()
    {
        var text = Show(new InsightEvidence("s1", 4), new InsightEvidence("s1", 9), new InsightEvidence("s2"));

        Assert.Contains("  2 sessions (3 entries)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("evidence", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_session_cited_once_is_counted_in_sessions_alone()
    {
        Assert.EndsWith("seen 0  1 session", FirstInsightLine(Show(new InsightEvidence("s1", 4))), StringComparison.Ordinal);
        Assert.EndsWith("seen 0  2 sessions", FirstInsightLine(Show(new InsightEvidence("s1"), new InsightEvidence("s2", 3))), StringComparison.Ordinal);
        Assert.EndsWith("seen 0  no evidence", FirstInsightLine(Show()), StringComparison.Ordinal);
    }

    private static string Show(params InsightEvidence[] evidence)
    {
        var scope = MemoryScope.Agent("support-bot");
        var version = new MemoryVersion
        {
            Id = "mv-1",
            Scope = scope,
            Number = 1,
            Author = MemoryAuthor.DreamRun("dr-1"),
            CreatedAt = s_time,
            Insights =
            [
                new Insight { Id = "ins-1", Text = "Check the order first.", Scope = scope, Source = InsightSource.Mined, CreatedAt = s_time, UpdatedAt = s_time, Evidence = evidence },
            ],
        };
        using var output = new StringWriter();
        MemoryText.WriteVersion(output, version);
        return output.ToString();
    }

    private static string FirstInsightLine(string text) =>
        text.Split('\n').Select(line => line.TrimEnd('\r')).First(line => line.StartsWith("  ins-1", StringComparison.Ordinal));
}

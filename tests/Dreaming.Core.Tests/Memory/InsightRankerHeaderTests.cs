namespace Dreaming.Tests;

/// <summary>The first line of the rendered memory: the agent's own wording (unchanged) for an agent's memory alone, a
/// neutral one when a team's or the global lessons are given.</summary>
public class InsightRankerHeaderTests
{
    private const string AgentHeader = "Lessons from this agent's earlier sessions (cite an id in brackets when you act on one):";
    private const string NeutralHeader = "Lessons from earlier sessions (cite an id in brackets when you act on one):";
    private static readonly DateTimeOffset s_time = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly MemoryScope s_agent = MemoryScope.Agent("bot");

    [Fact]
    public void An_agents_memory_alone_keeps_its_header_and_its_budget_byte_for_byte()
    {
        Assert.Equal(AgentHeader, InsightRanker.Header);
        Assert.Equal(NeutralHeader, InsightRanker.SharedHeader);
        var memory = InsightRanker.Render(Version(s_agent, Insight(s_agent, "a-1", "Refund at most the order total.")), "refund", [], 800)!;
        Assert.Equal(AgentHeader + "\n- [a-1] Refund at most the order total.", memory.Text);

        // A line that fills the budget exactly, after the agent's header, still fits.
        var text = new string('x', (40 * 4) - AgentHeader.Length - "\n- [a-2] ".Length);
        var full = InsightRanker.Render(Version(s_agent, Insight(s_agent, "a-2", text)), "task", [], tokenBudget: 40)!;
        Assert.Equal(40 * 4, full.Text.Length);
        Assert.StartsWith(AgentHeader + "\n", full.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_team_or_the_global_version_rendered_alone_gets_the_neutral_header()
    {
        var team = MemoryScope.Team("billing");

        var teamMemory = InsightRanker.Render(Version(team, Insight(team, "t-1", "Invoices are in euros.")), "invoice", [], 800)!;
        var globalMemory = InsightRanker.Render(Version(MemoryScope.Global, Insight(MemoryScope.Global, "g-1", "Be brief.")), "task", [], 800)!;

        Assert.Equal(NeutralHeader + "\n- [t-1] Invoices are in euros.", teamMemory.Text);
        Assert.Equal(NeutralHeader + "\n- [g-1] Be brief.", globalMemory.Text);
    }

    [Fact]
    public void Agent_memory_with_global_lessons_gets_the_neutral_header_only_when_a_global_lesson_is_given()
    {
        var agent = Version(s_agent, Insight(s_agent, "a-1", "Refund at most the order total."));
        var smallGlobal = Version(MemoryScope.Global, Insight(MemoryScope.Global, "g-1", "Be brief."));
        var hugeGlobal = Version(MemoryScope.Global, Insight(MemoryScope.Global, "g-2", new string('y', 4000)));

        var both = InsightRanker.Render([(agent, null), (smallGlobal, MemoryScope.Global)], "refund", [], 800)!;
        var agentOnly = InsightRanker.Render([(agent, null), (hugeGlobal, MemoryScope.Global)], "refund", [], 800)!;

        Assert.StartsWith(NeutralHeader + "\n", both.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("this agent's", both.Text, StringComparison.Ordinal);
        Assert.Equal(["a-1", "g-1"], both.InsightIds);
        Assert.Equal(AgentHeader + "\n- [a-1] Refund at most the order total.", agentOnly.Text);
        Assert.Single(agentOnly.Given);
    }

    private static MemoryVersion Version(MemoryScope scope, params Insight[] insights) => new()
    {
        Id = "mv-" + scope.Key,
        Scope = scope,
        Number = 1,
        Author = MemoryAuthor.Person("ada"),
        State = MemoryVersionState.Active,
        Insights = insights,
    };

    private static Insight Insight(MemoryScope scope, string id, string text) => new()
    {
        Id = id,
        Text = text,
        Scope = scope,
        Status = InsightStatus.Active,
        Source = InsightSource.Mined,
        CreatedAt = s_time,
        UpdatedAt = s_time,
    };
}

using Dreaming.Cli.Reports;

namespace Dreaming.Cli.Tests;

/// <summary>The report's sums stop at <see cref="long.MaxValue"/>: sessions priced at a huge cost ("unknown") do not
/// wrap the row's cost or tokens negative.</summary>
public sealed class ReportSaturationTests
{
    [Fact]
    public void A_rows_token_and_cost_sums_saturate_instead_of_wrapping_negative()
    {
        var group = new ReportGroup([]);
        var at = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

        group.Add(Ended("a", at, new SessionUsage { InputTokens = 10, OutputTokens = 5, CostMinorUnits = 3 }));
        group.Add(Ended("b", at, new SessionUsage { InputTokens = long.MaxValue, CostMinorUnits = long.MaxValue }));

        Assert.Equal(long.MaxValue, group.Tokens);
        Assert.Equal(long.MaxValue, group.Cost);
        Assert.True(group.MeanCost > 0);
    }

    private static SessionRecord Ended(string id, DateTimeOffset at, SessionUsage usage) => new()
    {
        Id = id,
        AgentId = "bot",
        Task = "task",
        StartedAt = at,
        EndedAt = at.AddMinutes(1),
        Status = SessionStatus.Completed,
        Usage = usage,
    };
}

namespace Dreaming.AgentView.Tests;

/// <summary>A list at the largest page size whose every row holds hostile values: what one row may cost.</summary>
public sealed class HostileListSizeTests
{
    /// <summary>The most characters of HTML one row of a sessions table takes, as docs/agent-view.md gives it.</summary>
    private const int SessionRowBudget = 16_000;

    [Fact]
    public async Task A_list_of_500_sessions_with_the_longest_linkable_ids_and_huge_values_is_a_bounded_page()
    {
        // 880 CJK characters escape to 7,920: the longest id a link is written for (8,000), in every row.
        await using var host = await AgentViewHost.StartAsync(options => options.PageSize = AgentViewOptions.MaxPageSize);
        var huge = string.Concat(Enumerable.Repeat("<\"漢&", 25_000));
        await host.Traces.SeedAsync([.. Enumerable.Range(0, 500).Select(i =>
        {
            var s = TestSessions.Session(i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture) + new string('漢', 877), SessionStatus.Failed, minute: i, task: huge, agent: huge);
            return s with { Session = s.Session with { Outcome = new SessionOutcome { Label = huge } } };
        })]);
        using var client = host.Client();

        var html = await client.GetStringAsync(new Uri("/dreaming/sessions", UriKind.Relative));
        var overview = await client.GetStringAsync(new Uri("/dreaming/", UriKind.Relative));

        Assert.Equal(500, (await AgentViewHost.ParseAsync(html)).QuerySelectorAll("table.sessions tbody tr").Length);
        // A row costs its link once (up to 8,000 characters) and its short values (200 characters each, as HTML up to 6 times
        // that): the page was 9.8 MB when each row linked its session twice.
        Assert.True(html.Length <= 500 * SessionRowBudget && overview.Length <= 50 * SessionRowBudget, $"the list is {html.Length:N0} characters, the first page {overview.Length:N0}");
    }
}

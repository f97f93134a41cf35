using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Tests;

/// <summary>The runs page without a scope: the runs of every scope (what is running, stuck or failed anywhere), each linked
/// to its scope's pages, filtered by status and paged, under the view's policy and headers.</summary>
public sealed class DreamRunsOfEveryScopeTests
{
    [Fact]
    public async Task The_runs_page_lists_every_scopes_runs_links_each_scope_marks_the_stuck_ones_and_filters_by_status()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero));
        await using var host = await AgentViewHost.StartAsync(services: services => services.AddSingleton<TimeProvider>(time));
        var stuck = await host.DreamRuns.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Team("billing/eu") });
        await host.DreamRuns.StartAsync(stuck.Id, "web-1", TimeSpan.FromMinutes(5));
        time.Advance(TimeSpan.FromMinutes(6));
        var failed = await host.DreamRuns.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("support") });
        await host.DreamRuns.FailAsync(failed.Id, "model <b>timeout</b>");
        var working = await host.DreamRuns.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Global });
        await host.DreamRuns.StartAsync(working.Id, "web-2", TimeSpan.FromMinutes(5));

        var all = await host.PageAsync("/dreaming/runs");
        var running = await host.PageAsync("/dreaming/runs?status=running");

        var rows = all.QuerySelectorAll("table.runs tbody tr");
        Assert.Equal([working.Id, failed.Id, stuck.Id], rows.Select(r => r.QuerySelectorAll("td")[1].TextContent));
        Assert.Equal(["global (memory)", "agent:support (memory)", "team:billing/eu (memory)"], rows.Select(r => r.QuerySelector("td")!.TextContent));
        Assert.Equal(
            ["/dreaming/runs?scope=team%3Abilling%2Feu", "/dreaming/memory/team%3Abilling%2Feu", "/dreaming/runs/" + stuck.Id],
            rows[2].QuerySelectorAll("a").Take(3).Select(a => a.GetAttribute("href")));
        Assert.Equal("model <b>timeout</b>", rows[1].QuerySelector("td:last-child span.error-message")!.TextContent);
        Assert.Empty(all.QuerySelectorAll("main b"));
        Assert.StartsWith("1 stuck on this page", all.QuerySelector("main p.error-message")!.TextContent, StringComparison.Ordinal);
        Assert.EndsWith("the dreaming tool's 'dreaming runs recover --all', or the app's IDreamRunStore.RecoverAbandonedAsync, ends them all.", all.QuerySelector("main p.error-message")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("global", all.QuerySelectorAll("ul.scopes a").Select(a => a.TextContent));
        var runningRows = running.QuerySelectorAll("table.runs tbody tr");
        Assert.Equal([working.Id, stuck.Id], runningRows.Select(r => r.QuerySelectorAll("td")[1].TextContent));
        Assert.StartsWith("lease expired at 2026-11-01T09:05:00.000Z", runningRows[1].QuerySelector("td:last-child")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("running", running.QuerySelector("select[name=status] option[selected]")!.GetAttribute("value"));
    }

    [Fact]
    public async Task A_full_page_links_the_next_a_bad_status_or_cursor_is_a_400_and_the_page_keeps_the_views_headers()
    {
        await using var host = await AgentViewHost.StartAsync(options => options.PageSize = 2);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var run = await host.DreamRuns.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Team("t" + i) });
            await host.DreamRuns.FailAsync(run.Id, "boom");
            ids.Add(run.Id);
        }

        var first = await host.PageAsync("/dreaming/runs?status=failed");
        var next = first.QuerySelector("p.pager a.next")!.GetAttribute("href")!;
        var second = await host.PageAsync(next);

        Assert.StartsWith("/dreaming/runs?status=failed&after=", next, StringComparison.Ordinal);
        Assert.Equal([ids[2], ids[1]], first.QuerySelectorAll("table.runs tbody tr").Select(r => r.QuerySelectorAll("td")[1].TextContent));
        Assert.Equal([ids[0]], second.QuerySelectorAll("table.runs tbody tr").Select(r => r.QuerySelectorAll("td")[1].TextContent));
        Assert.Null(second.QuerySelector("p.pager a.next"));
        Assert.Equal("/dreaming/runs?status=failed", second.QuerySelector("p.pager a")!.GetAttribute("href"));
        using var client = host.Client();
        using var badStatus = await client.GetAsync(new Uri("/dreaming/runs?status=stuck", UriKind.Relative));
        using var badCursor = await client.GetAsync(new Uri("/dreaming/runs?after=nope", UriKind.Relative));
        using var anonymous = await host.Client(user: null).GetAsync(new Uri("/dreaming/runs?status=running", UriKind.Relative));
        using var ok = await client.GetAsync(new Uri("/dreaming/runs?status=running", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
        Assert.Contains("&#x27;stuck&#x27; is not a dream run status: write pending, running, completed, failed, canceled", await badStatus.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badCursor.StatusCode);
        Assert.Contains("&#x27;nope&#x27; is not a dream run cursor issued by this store. Open the list from its first page.", await badCursor.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotEqual(HttpStatusCode.OK, anonymous.StatusCode);
        Assert.Equal("no-store", ok.Headers.CacheControl?.ToString());
        Assert.Contains("default-src 'none'", string.Join(';', ok.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_that_does_not_list_across_scopes_says_so_in_place_of_the_list()
    {
        await using var host = await AgentViewHost.StartAsync(services: services => services.AddSingleton<IDreamRunStore>(new NotListing(new InMemoryDreamRunStore())));

        var page = await host.PageAsync("/dreaming/runs");

        Assert.StartsWith($"The dream run store {typeof(NotListing).FullName} does not list runs across scopes", page.QuerySelector("main p.empty")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(["global"], page.QuerySelectorAll("ul.scopes a").Select(a => a.TextContent));
    }

    private sealed class NotListing(IDreamRunStore inner) : ForwardingDreamRunStore(inner)
    {
        public override Task<DreamRunPage> QueryRunsAsync(DreamRunQuery query, CancellationToken cancellationToken = default) =>
            QueryRunsByInterfaceDefaultAsync(query, cancellationToken);
    }
}

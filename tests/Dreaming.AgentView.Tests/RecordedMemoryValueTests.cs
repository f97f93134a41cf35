using System.Net;
using System.Text.Json;

namespace Dreaming.AgentView.Tests;

/// <summary>A memory version's and a dream run's page cut texts at 4,000 characters and lists at 500 rows: each links to
/// the version or the run as recorded (<c>?record=json</c>), where every value is whole.</summary>
public sealed class RecordedMemoryValueTests
{
    [Fact]
    public async Task An_insight_cut_on_the_version_page_is_whole_in_the_version_the_page_links_to()
    {
        await using var host = await AgentViewHost.StartAsync();
        var text = string.Concat(Enumerable.Repeat("<\"é&", 2_500));
        var version = await host.Memory.ProposeAsync(null, MemoryAuthor.Person("carol"), null, TestMemory.Insight("ins-a", text));

        var page = await host.PageAsync("/dreaming/memory/versions/" + version.Id);
        Assert.Equal("?record=json", page.QuerySelector("p.cap a")?.GetAttribute("href"));
        Assert.Equal("?record=json", page.QuerySelector("a.record")?.GetAttribute("href"));

        using var client = host.Client();
        using var response = await client.GetAsync(new Uri("/dreaming/memory/versions/" + version.Id + "?record=json", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("<", body, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(text, json.RootElement.GetProperty("Insights")[0].GetProperty("Text").GetString());
    }

    [Fact]
    public async Task A_failure_cut_on_the_run_page_is_whole_in_the_run_the_page_links_to()
    {
        await using var host = await AgentViewHost.StartAsync();
        var reason = new string('r', 9_000) + " end";
        var run = await host.DreamRuns.CreateAsync(new DreamRunRequest { Scope = TestMemory.Scope });
        await host.DreamRuns.FailAsync(run.Id, reason);

        var page = await host.PageAsync("/dreaming/runs/" + run.Id);
        Assert.Equal("?record=json", page.QuerySelector("p.cap a")?.GetAttribute("href"));

        using var client = host.Client();
        using var json = JsonDocument.Parse(await client.GetStringAsync(new Uri("/dreaming/runs/" + run.Id + "?record=json", UriKind.Relative)));
        Assert.Equal(reason, json.RootElement.GetProperty("Error").GetString());
        Assert.Equal("Failed", json.RootElement.GetProperty("Status").GetString());
    }

    [Fact]
    public async Task A_record_other_than_json_is_a_400_and_an_unknown_one_a_404()
    {
        await using var host = await AgentViewHost.StartAsync();
        var run = await host.DreamRuns.CreateAsync(new DreamRunRequest { Scope = TestMemory.Scope });
        var (v1, _) = await host.Memory.SeedTwoVersionsAsync();
        using var client = host.Client();

        using var badRun = await client.GetAsync(new Uri("/dreaming/runs/" + run.Id + "?record=xml", UriKind.Relative));
        using var badVersion = await client.GetAsync(new Uri("/dreaming/memory/versions/" + v1.Id + "?record=", UriKind.Relative));
        using var unknown = await client.GetAsync(new Uri("/dreaming/memory/versions/mv-none?record=json", UriKind.Relative));

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.NotFound], [badRun.StatusCode, badVersion.StatusCode, unknown.StatusCode]);
    }
}

using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dreaming.AgentView.Tests;

/// <summary>Ids in paths on a real server (Kestrel on loopback), which decodes paths as browsers will meet it.</summary>
public sealed class KestrelPathTests
{
    [Fact]
    public async Task A_scope_whose_id_holds_a_slash_question_mark_hash_and_space_opens_on_Kestrel()
    {
        var (started, address) = await AgentViewHost.StartKestrelAsync();
        await using var app = started;
        var scope = MemoryScope.Agent("a/b ?#%");
        var version = await app.Services.GetRequiredService<IMemoryStore>().ProposeAsync(null, MemoryAuthor.Person("p"), null, TestMemory.Insight("i", "t", scope));

        using var client = new HttpClient { BaseAddress = new Uri(address) };
        using var response = await client.GetAsync(new Uri("/dreaming/memory/agent%3Aa%2Fb%20%3F%23%25", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await AgentViewHost.ParseAsync(body);
        Assert.Equal("Memory of agent:a/b ?#%", page.QuerySelector("main h2")!.TextContent);
        Assert.Equal(version.Id, page.QuerySelector("table.versions tbody td:nth-child(2)")!.TextContent);
        await app.StopAsync();
    }

    [Fact]
    public async Task An_id_holding_the_text_percent_2F_is_its_own_scope_not_the_one_with_a_slash()
    {
        var (started, address) = await AgentViewHost.StartKestrelAsync();
        await using var app = started;
        var memory = app.Services.GetRequiredService<IMemoryStore>();
        var slash = await memory.ProposeAsync(null, MemoryAuthor.Person("p"), null, TestMemory.Insight("i", "t", MemoryScope.Agent("x/y")));
        var text = await memory.ProposeAsync(null, MemoryAuthor.Person("p"), null, TestMemory.Insight("i", "t", MemoryScope.Agent("x%2Fy")));

        using var client = new HttpClient { BaseAddress = new Uri(address) };
        foreach (var (scope, version) in new[] { ("x%2Fy", text), ("x/y", slash) })
        {
            using var response = await client.GetAsync(new Uri("/dreaming/memory/" + Uri.EscapeDataString("agent:" + scope), UriKind.Relative));
            var page = await AgentViewHost.ParseAsync(await response.Content.ReadAsStringAsync());
            Assert.Equal("Memory of agent:" + scope, page.QuerySelector("main h2")!.TextContent);
            Assert.Equal(version.Id, page.QuerySelector("table.versions tbody td:nth-child(2)")!.TextContent);
        }

        await app.StopAsync();
    }
}

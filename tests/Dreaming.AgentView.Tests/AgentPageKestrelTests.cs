using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using static Dreaming.AgentView.Tests.AgentData;

namespace Dreaming.AgentView.Tests;

/// <summary>Agent ids holding '/' or the text "%2F" on Kestrel (loopback), which keeps the raw request target.</summary>
public sealed class AgentPageKestrelTests
{
    [Fact]
    public async Task On_Kestrel_an_id_with_a_slash_and_one_with_the_text_percent_2F_each_reach_their_own_page()
    {
        var (started, address) = await AgentViewHost.StartKestrelAsync(services => services.AddSingleton<TimeProvider>(new FakeTimeProvider(Now)));
        await using var app = started;
        var store = app.Services.GetRequiredService<ITraceStore>();
        await store.SeedAsync(Session("k1", "a/b", Nov(29, 9), cost: 3), Session("k2", "a%2Fb", Nov(29, 10), cost: 4), Session("k3", "a%2Fb", Nov(29, 11), cost: 4));
        using var client = new HttpClient { BaseAddress = new Uri(address) };

        var agents = await new HtmlParser().ParseDocumentAsync(await client.GetStringAsync(new Uri("/dreaming/agents", UriKind.Relative)));
        var links = agents.QuerySelectorAll("table.agents tbody a").ToDictionary(a => a.TextContent, a => a.GetAttribute("href")!);
        Assert.Equal("/dreaming/agents/a%2Fb", links["a/b"]);
        Assert.Equal("/dreaming/agents/a%252Fb", links["a%2Fb"]);
        foreach (var (agent, sessions) in new[] { ("a/b", "1"), ("a%2Fb", "2") })
        {
            using var response = await client.GetAsync(new Uri(links[agent], UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
            Assert.Equal("Agent " + agent, page.QuerySelector("main h2")!.TextContent);
            Assert.Equal(sessions, page.Rows("table.versions")[0][1]);
        }

        await app.StopAsync();
    }
}

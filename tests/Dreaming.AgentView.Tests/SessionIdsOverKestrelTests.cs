using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Dreaming.AgentView.Tests.TestSessions;

namespace Dreaming.AgentView.Tests;

/// <summary>A session's link reaches its page on Kestrel (over loopback), whose path decoding differs from the test
/// server's: it keeps "%2F" encoded, so the route alone cannot tell an id holding "/" from one holding "%2F".</summary>
public sealed class SessionIdsOverKestrelTests
{
    [Fact]
    public async Task Ids_with_slashes_percent_signs_and_reserved_characters_each_reach_their_own_page()
    {
        string[] ids = ["a/b", "a%2Fb", "a%252Fb", "q?x=1#f", "sp ace", "%", "ü/%2f/x"];
        var (started, address) = await AgentViewHost.StartKestrelAsync();
        await using var app = started;
        await app.Services.GetRequiredService<ITraceStore>().SeedAsync([.. ids.Select((id, i) => Session(id, SessionStatus.Failed, i, task: "task of " + id))]);
        using var client = new HttpClient { BaseAddress = new Uri(address) };

        var list = await new HtmlParser().ParseDocumentAsync(await client.GetStringAsync(new Uri("/dreaming/sessions", UriKind.Relative)));
        var links = list.QuerySelectorAll("table.sessions tbody td:nth-child(3) a").ToDictionary(a => a.TextContent, a => a.GetAttribute("href")!);
        foreach (var id in ids)
        {
            var page = await new HtmlParser().ParseDocumentAsync(await client.GetStringAsync(new Uri(links["task of " + id], UriKind.Relative)));
            Assert.Equal("Session " + id, page.QuerySelector("main h2")?.TextContent);
        }

        await app.StopAsync();
    }

    [Theory]
    [InlineData("/dreaming/sessions/secret#/../mine")]
    [InlineData("/dreaming/sessions/mine/x/..")]
    [InlineData("/dreaming/sessions/mine/x/%2E%2E")]
    [InlineData("/moved/secret?to=mine")]
    public async Task The_page_shows_the_session_the_request_was_routed_to_whatever_the_raw_target_holds(string target)
    {
        // Kestrel routes on the path it decoded and normalized ('#' kept, dot segments removed; a host's middleware may
        // rewrite it too), while the raw target is what the client sent: an authorization rule on the route's id must
        // see the id the page shows.
        var (started, listening) = await AgentViewHost.StartKestrelAsync(before: web =>
        {
            web.Use((http, next) =>
            {
                if (http.Request.Path.StartsWithSegments("/moved", StringComparison.Ordinal))
                {
                    http.Request.Path = "/dreaming/sessions/" + http.Request.Query["to"];
                }

                return next(http);
            });
            web.UseRouting();
        });
        await using var app = started;
        var address = new Uri(listening);
        await app.Services.GetRequiredService<ITraceStore>().SeedAsync([Session("mine", SessionStatus.Failed, 1), Session("secret", SessionStatus.Failed, 2), Session("..", SessionStatus.Failed, 3)]);

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
        var response = await new StreamReader(stream).ReadToEndAsync();

        Assert.StartsWith("HTTP/1.1 200 OK", response, StringComparison.Ordinal);
        Assert.Equal("Session mine", Regex.Match(response, "<h2>(.*?)</h2>").Groups[1].Value);
        await app.StopAsync();
    }
}

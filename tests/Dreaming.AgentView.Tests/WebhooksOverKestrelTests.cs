using System.Net;
using AngleSharp.Html.Dom;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dreaming.AgentView.Tests;

/// <summary>The webhook actions' ids on a real server (Kestrel keeps the raw target RouteSegments reads).</summary>
public sealed class WebhooksOverKestrelTests
{
    [Fact]
    public async Task Disabling_the_endpoints_x_slash_y_and_x_percent_2F_y_on_Kestrel_disables_each_one_only()
    {
        await using var app = await StartAsync();
        var outbox = app.Services.GetRequiredService<IWebhookOutboxStore>();
        await outbox.SeedAsync("dead", "x/y");
        await outbox.SeedAsync("dead", "x%2Fy");

        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false };
        using var client = new HttpClient(handler) { BaseAddress = AddressOf(app) };
        using var get = await client.GetAsync(new Uri("/dreaming/webhooks", UriKind.Relative));
        var page = await AgentViewHost.ParseAsync(await get.Content.ReadAsStringAsync());
        var cookie = string.Join("; ", get.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        Assert.Equal(HttpStatusCode.SeeOther, await PostDisableAsync(client, page, cookie, "/dreaming/webhooks/endpoints/x%252Fy/disable"));
        Assert.Equal((true, false), ((await outbox.GetEndpointAsync("x%2Fy")).IsDisabled, (await outbox.GetEndpointAsync("x/y")).IsDisabled));
        Assert.Equal(HttpStatusCode.SeeOther, await PostDisableAsync(client, page, cookie, "/dreaming/webhooks/endpoints/x%2Fy/disable"));
        Assert.True((await outbox.GetEndpointAsync("x/y")).IsDisabled);
        await app.StopAsync();
    }

    [Fact]
    public async Task The_forms_of_the_endpoints_dot_and_dot_dot_reach_no_action_as_the_docs_say()
    {
        await using var app = await StartAsync();
        var outbox = app.Services.GetRequiredService<IWebhookOutboxStore>();
        await outbox.SeedAsync("dead", ".");
        await outbox.SeedAsync("dead", "..");

        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false };
        using var client = new HttpClient(handler) { BaseAddress = AddressOf(app) };
        using var get = await client.GetAsync(new Uri("/dreaming/webhooks", UriKind.Relative));
        var page = await AgentViewHost.ParseAsync(await get.Content.ReadAsStringAsync());
        var cookie = string.Join("; ", get.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        foreach (var action in new[] { "/dreaming/webhooks/endpoints/./disable", "/dreaming/webhooks/endpoints/../disable" })
        {
            // The client removes the dot segment before sending, as browsers do: the POST names no endpoint.
            Assert.Equal(HttpStatusCode.NotFound, await PostDisableAsync(client, page, cookie, action));
        }

        foreach (var id in new[] { ".", "..", "ops" })
        {
            Assert.False((await outbox.GetEndpointAsync(id)).IsDisabled, id);
        }

        await app.StopAsync();
    }
    [Fact]
    public async Task In_a_host_with_no_data_protection_nor_antiforgery_the_replay_of_every_dead_letter_links_to_its_notice()
    {
        // As 'dreaming view' serves it: no AddAuthentication, AddAntiforgery nor AddDataProtection; the view makes its own.
        await using var app = await StartAsync();
        Assert.Null(app.Services.GetService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>());
        var outbox = app.Services.GetRequiredService<IWebhookOutboxStore>();
        await outbox.SeedAsync("dead");
        await outbox.SeedAsync("dead");

        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = AddressOf(app) };
        var page = await AgentViewHost.ParseAsync(await client.GetStringAsync(new Uri("/dreaming/webhooks", UriKind.Relative)));
        var form = page.QuerySelector("form.webhook-replay-dead")!;
        var token = form.QuerySelector("input[type=hidden]")!;
        using var replay = await client.PostAsync(new Uri(form.GetAttribute("action")!, UriKind.Relative), new FormUrlEncodedContent([new(token.GetAttribute("name")!, token.GetAttribute("value")!)]));
        Assert.Equal(HttpStatusCode.SeeOther, replay.StatusCode);
        var notice = await AgentViewHost.ParseAsync(await client.GetStringAsync(replay.Headers.Location));

        Assert.StartsWith("2 dead letters were put back in line at ", notice.QuerySelector("p.notice")?.TextContent, StringComparison.Ordinal);
        await app.StopAsync();
    }

    // The view on Kestrel (a real server, which keeps the raw request target), anonymous, its actions recorded as alice.
    private static async Task<WebApplication> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        TestWebhooks.AddEndpoints(builder.Services);
        var app = builder.Build();
        app.MapDreamingAgentView(configure: options =>
        {
            options.AllowAnonymous = true;
            options.ReviewerName = _ => "alice";
        });
        await app.StartAsync();
        return app;
    }

    private static Uri AddressOf(WebApplication app) => new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    // Posts the page's disable form whose action is the one given, with its antiforgery token and the page's cookie.
    private static async Task<HttpStatusCode> PostDisableAsync(HttpClient client, IHtmlDocument page, string cookie, string action)
    {
        var form = page.QuerySelectorAll("form.webhook-disable").OfType<IHtmlFormElement>().Single(f => f.GetAttribute("action") == action);
        var token = form.QuerySelector("input[type=hidden]")!;
        using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(action, UriKind.Relative))
        {
            Content = new FormUrlEncodedContent([new(token.GetAttribute("name")!, token.GetAttribute("value")!)]),
        };
        post.Headers.Add("Cookie", cookie);
        using var response = await client.SendAsync(post);
        return response.StatusCode;
    }
}

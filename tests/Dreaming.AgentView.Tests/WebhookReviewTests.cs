using System.Net;
using Dreaming.AgentView.Pages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dreaming.AgentView.Tests;

/// <summary>A second reader's tests of the webhook pages: a token in an endpoint URL's path, a replay to a disabled
/// endpoint, and an endpoint id the store refuses.</summary>
public sealed class WebhookReviewTests
{
    private const string SlackToken = "XoXoSLACKpathTOKEN42";

    private const string DiscordToken = "dIsCoRd-PATH_token_77";

    [Fact]
    public async Task A_token_in_an_endpoint_urls_path_is_never_rendered()
    {
        await using var host = await AgentViewHost.StartAsync(services: services =>
        {
            services.AddDreamingAgents().AddWebhooks(options =>
            {
                var slack = new WebhookEndpoint { Id = "slack", Url = "https://hooks.slack.com/services/T0001/B0001/" + SlackToken };
                slack.Secrets.Add(TestWebhooks.OpsSecret);
                options.Endpoints.Add(slack);
                var discord = new WebhookEndpoint { Id = "discord", Url = "https://discord.com:8443/api/webhooks/123456/" + DiscordToken + "?wait=true" };
                discord.Secrets.Add(TestWebhooks.OpsSecret);
                options.Endpoints.Add(discord);
            });
            TestWebhooks.WithoutDispatcherLoop(services);
        });
        var delivery = await host.Outbox().SeedAsync("dead", "slack");
        using var client = host.Client();

        foreach (var path in new[] { "/dreaming/webhooks", "/dreaming/webhooks/deliveries/" + delivery.Id })
        {
            var html = await client.GetStringAsync(new Uri(path, UriKind.Relative));
            Assert.DoesNotContain(SlackToken, html, StringComparison.Ordinal);
            Assert.DoesNotContain(DiscordToken, html, StringComparison.Ordinal);
            Assert.Contains("https://hooks.slack.com/***", html, StringComparison.Ordinal);
        }

        var page = await host.PageAsync("/dreaming/webhooks");
        Assert.Equal(["https://hooks.slack.com/***", "https://discord.com:8443/***"], page.QuerySelectorAll("section#endpoints span.url").Select(s => s.TextContent).ToArray());
        Assert.Equal(
            ["https://***@h.example.com/***", "https://h.example.com/***", "https://h.example.com/***", "https://h.example.com/", "https://h.example.com", "https://h.example.com/***", "not a url/***"],
            new[] { "https://u:p@h.example.com/secret", "https://h.example.com?token=1", "https://h.example.com#frag", "https://h.example.com/", "https://h.example.com", "https://h.example.com\\secret", "not a url/secret" }.Select(WebhookHtml.ShownUrl).ToArray());
    }

    [Fact]
    public async Task The_dead_letters_of_a_disabled_endpoint_say_beside_their_replay_forms_that_a_replay_dies_again()
    {
        await using var host = await AgentViewHost.StartAsync(services: TestWebhooks.AddEndpoints);
        await host.Outbox().SeedAsync("dead");
        await host.Outbox().SeedAsync("dead", "audit");
        await host.Outbox().SeedAsync("dead", "gone-endpoint");
        await host.Outbox().SetEndpointDisabledAsync("ops", "the endpoint answered 410 Gone", TestWebhooks.At);

        var page = await host.PageAsync("/dreaming/webhooks");

        Assert.Equal(
            "A replay does not enable an endpoint: the dead letters to audit and ops (disabled) and to gone-endpoint (not configured in this app) become dead letters again at the dispatcher's next pass, replayed one by one or all at once. Enable a disabled endpoint first (Endpoints, above).",
            page.QuerySelector("section#dead p.cap-note")?.TextContent);

        await using var fine = await AgentViewHost.StartAsync(services: TestWebhooks.AddEndpoints);
        await fine.Outbox().SeedAsync("dead");
        Assert.Null((await fine.PageAsync("/dreaming/webhooks")).QuerySelector("section#dead p.cap-note"));
    }

    [Fact]
    public async Task An_endpoint_id_the_store_refuses_is_a_400_naming_it_not_a_500()
    {
        await using var host = await AgentViewHost.StartAsync(services: TestWebhooks.AddEndpoints);
        await host.Outbox().SeedAsync("dead");

        using var blank = await host.PostFormAsync("/dreaming/webhooks", "webhook-disable", "/ops/disable", reason: "x", postTo: "/dreaming/webhooks/endpoints/%20/disable");

        Assert.Equal(HttpStatusCode.BadRequest, blank.StatusCode);
        Assert.StartsWith("The disabling of endpoint ' ' was refused: ", await TestWebhooks.ErrorAsync(blank), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_endpoint_id_with_a_line_break_is_refused_so_it_cannot_forge_a_log_line()
    {
        var logs = new TestWebhooks.RecordingLogs();
        await using var host = await AgentViewHost.StartAsync(services: services =>
        {
            TestWebhooks.AddEndpoints(services);
            services.AddSingleton<ILoggerProvider>(logs);
        });
        await host.Outbox().SeedAsync("dead");

        using var forged = await host.PostFormAsync("/dreaming/webhooks", "webhook-disable", "/ops/disable", postTo: "/dreaming/webhooks/endpoints/x%0Abob%20replayed%20every%20webhook%20dead%20letter/disable");

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal("The disabling of endpoint 'x\nbob replayed every webhook dead letter' was refused: no webhook endpoint id holds a control character.", await TestWebhooks.ErrorAsync(forged));
        Assert.DoesNotContain(logs.Entries, e => e.Category == "Dreaming.AgentView");
        Assert.False((await host.Outbox().GetEndpointAsync("x\nbob replayed every webhook dead letter")).IsDisabled);
    }

    [Fact]
    public async Task An_endpoint_neither_configured_nor_named_by_a_delivery_is_a_404_and_is_not_disabled()
    {
        var logs = new TestWebhooks.RecordingLogs();
        await using var host = await AgentViewHost.StartAsync(services: services =>
        {
            TestWebhooks.AddEndpoints(services);
            services.AddSingleton<ILoggerProvider>(logs);
        });
        await host.Outbox().SeedAsync("dead", "gone-endpoint");

        using var nobody = await host.PostFormAsync("/dreaming/webhooks", "webhook-disable", "/ops/disable", reason: "x", postTo: "/dreaming/webhooks/endpoints/nobody/disable");
        using var enableNobody = await host.PostFormAsync("/dreaming/webhooks", "webhook-disable", "/ops/disable", postTo: "/dreaming/webhooks/endpoints/nobody/enable");

        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound], [nobody.StatusCode, enableNobody.StatusCode]);
        Assert.Equal("No webhook endpoint 'nobody' the webhooks page shows: this app configures none by that id, the outbox has it neither disabled nor failing, and no delivery the page lists names it (for an hour after the page was opened, a form of the page names an endpoint it showed even when its deliveries have left the page since).", await TestWebhooks.ErrorAsync(nobody));
        Assert.False((await host.Outbox().GetEndpointAsync("nobody")).IsDisabled);
        Assert.DoesNotContain(logs.Entries, e => e.Category == "Dreaming.AgentView");

        // One a delivery names (not configured: an endpoint since removed, or the app's in 'dreaming view') is known.
        using var named = await host.PostFormAsync("/dreaming/webhooks", "webhook-disable", "/gone-endpoint/disable", reason: "removed");
        Assert.Equal(HttpStatusCode.SeeOther, named.StatusCode);
        Assert.True((await host.Outbox().GetEndpointAsync("gone-endpoint")).IsDisabled);
    }
}

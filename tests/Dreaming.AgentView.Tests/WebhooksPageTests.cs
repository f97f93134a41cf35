using System.Net;
using Dreaming.AgentView.Pages;

namespace Dreaming.AgentView.Tests;

/// <summary>The webhooks page: the app's endpoints with their delivery state, and the outbox's deliveries by state.</summary>
public sealed class WebhooksPageTests
{
    [Fact]
    public async Task Each_state_has_its_section_and_each_endpoint_its_configuration_and_delivery_state()
    {
        await using var host = await AgentViewHost.StartAsync(services: TestWebhooks.AddEndpoints);
        var outbox = host.Outbox();
        var pending = await outbox.SeedAsync("pending", minutes: 1);
        var retrying = await outbox.SeedAsync("retrying", minutes: 2);
        var dead = await outbox.SeedAsync("dead", "audit", WebhookEventTypes.MemoryVersionProposed, minutes: 3);
        var delivered = await outbox.SeedAsync("delivered", minutes: 4);
        var stray = await outbox.SeedAsync("dead", "gone-endpoint", minutes: 5);
        await outbox.SetEndpointDisabledAsync("ops", "the endpoint answered 410 Gone", TestWebhooks.At);

        var page = await host.PageAsync("/dreaming/webhooks");

        string[][] Rows(string section) => [.. page.QuerySelectorAll($"section#{section} table.deliveries tbody tr").Select(tr => tr.QuerySelectorAll("td").Select(td => td.TextContent).ToArray())];
        Assert.Equal(["dead", "pending", "delivered"], page.QuerySelectorAll("main section").Select(s => s.Id ?? "").Where(id => id is not ("endpoints" or "event-types")).ToArray());
        Assert.Equal([stray.Id, dead.Id], Rows("dead").Select(r => r[0]).ToArray());
        Assert.Equal([dead.Id, WebhookEventTypes.MemoryVersionProposed, "audit", "dead", "1", "-", "-", "connection refused"], new[] { Rows("dead")[1] }.Select(r => new[] { r[0], r[1], r[2], r[3], r[4], r[6], r[8], r[9] }).Single());
        Assert.Equal("2026-11-02 08:04:00", Rows("dead")[1][7]);
        Assert.Equal([retrying.Id, pending.Id], Rows("pending").Select(r => r[0]).ToArray());
        Assert.Equal(["retrying", "1", "2026-11-02 08:08:00", "2026-11-02 08:03:00", "503", "HTTP 503"], Rows("pending")[0][3..5].Concat(Rows("pending")[0][6..]).ToArray());
        Assert.Equal(["pending", "0", "-", "-"], new[] { Rows("pending")[1][3], Rows("pending")[1][4], Rows("pending")[1][7], Rows("pending")[1][9] });
        Assert.Equal([delivered.Id, "delivered", "200", "-"], new[] { Rows("delivered")[0][0], Rows("delivered")[0][3], Rows("delivered")[0][8], Rows("delivered")[0][9] });
        Assert.Equal("/dreaming/webhooks/deliveries/" + dead.Id, page.QuerySelector($"section#dead a[href$='{dead.Id}']")?.GetAttribute("href"));
        Assert.Equal("status status-retrying", page.QuerySelector("section#pending tbody tr td:nth-child(4) span")?.ClassName);

        var endpoints = page.QuerySelectorAll("section#endpoints tbody tr").Select(tr => tr.QuerySelectorAll("td").Take(6).Select(td => td.TextContent).ToArray()).ToArray();
        Assert.Equal(["ops", "https://hooks.example.com/***", "every event", "enabled", "disabled since 2026-11-02 08:00:00: the endpoint answered 410 Gone", "0"], endpoints[0]);
        Assert.Equal(["audit", "https://audit.example.com/***", "memory.*", "disabled: paused for migration", "enabled", "1"], endpoints[1]);
        Assert.Equal(["gone-endpoint", "not configured in this app", "-", "-", "enabled", "1"], endpoints[2]);
        Assert.Equal(3, endpoints.Length);
        Assert.StartsWith("This app sends its webhooks", page.QuerySelector("p.dispatcher")?.TextContent, StringComparison.Ordinal);
        Assert.Equal("Webhooks", page.QuerySelectorAll("header nav a")[^1].TextContent);
        Assert.Equal("/dreaming/webhooks", page.QuerySelectorAll("header nav a")[^1].GetAttribute("href"));
    }

    [Fact]
    public async Task Secrets_and_a_urls_query_are_never_rendered()
    {
        await using var host = await AgentViewHost.StartAsync(services: TestWebhooks.AddEndpoints);
        var delivery = await host.Outbox().SeedAsync("dead");
        using var client = host.Client();

        foreach (var path in new[] { "/dreaming/webhooks", "/dreaming/webhooks/deliveries/" + delivery.Id })
        {
            var html = await client.GetStringAsync(new Uri(path, UriKind.Relative));
            Assert.Contains("https://hooks.example.com/***", html, StringComparison.Ordinal);
            foreach (var secret in new[] { TestWebhooks.OpsSecret, TestWebhooks.OpsSecret["whsec_".Length..], TestWebhooks.AuditSecret["whsec_".Length..], TestWebhooks.OpsQueryToken, "token=" })
            {
                Assert.DoesNotContain(secret, html, StringComparison.Ordinal);
            }
        }

        Assert.Equal("https://***@hooks.example.com/***", WebhookHtml.ShownUrl("https://user:pa%40ss@hooks.example.com/p?sig=abc#frag"));
    }

    [Fact]
    public async Task A_full_section_says_older_deliveries_are_not_shown()
    {
        await using var host = await AgentViewHost.StartAsync(options => options.PageSize = 2, TestWebhooks.AddEndpoints);
        for (var i = 0; i < 3; i++)
        {
            await host.Outbox().SeedAsync("delivered", minutes: i);
        }

        await host.Outbox().SeedAsync("dead");

        var page = await host.PageAsync("/dreaming/webhooks");

        Assert.Equal(2, page.QuerySelectorAll("section#delivered tbody tr").Length);
        Assert.Equal("The newest 2 delivered deliveries; older ones are not shown (the outbox lists the newest only, without paging: 'dreaming webhooks list --state delivered --limit N' lists up to 10,000).", page.QuerySelector("section#delivered p.cap")?.TextContent);
        Assert.Null(page.QuerySelector("section#dead p.cap"));
        Assert.Equal("None.", page.QuerySelector("section#pending p.empty")?.TextContent);
    }

    [Fact]
    public async Task Hostile_event_types_endpoint_ids_and_errors_render_as_text()
    {
        await using var host = await AgentViewHost.StartAsync(services: TestWebhooks.AddEndpoints);
        const string hostile = "<script>alert(1)</script><img src=x onerror=alert(2)> \"q\" & \0 nul \uD800 lone";
        var dead = await host.Outbox().SeedAsync("dead", endpointId: "a/b?c#d <e>", type: "<b>type</b>", error: hostile + new string('x', 5000));

        var page = await host.PageAsync("/dreaming/webhooks");

        Assert.Empty(page.QuerySelectorAll("script"));
        Assert.Empty(page.QuerySelectorAll("main img"));
        Assert.Empty(page.QuerySelectorAll("main b"));
        var cells = page.QuerySelectorAll("section#dead tbody td");
        Assert.Equal("<b>type</b>", cells[1].TextContent);
        Assert.Equal("a/b?c#d <e>", cells[2].TextContent);
        Assert.StartsWith("<script>alert(1)</script>", cells[9].TextContent, StringComparison.Ordinal);
        Assert.Equal(201, cells[9].TextContent.Length);
        var enable = page.QuerySelectorAll("section#endpoints form").Select(f => f.GetAttribute("action")).Single(a => a!.Contains("a%2Fb", StringComparison.Ordinal));
        Assert.Equal("/dreaming/webhooks/endpoints/a%2Fb%3Fc%23d%20%3Ce%3E/disable", enable);

        var delivery = await host.PageAsync("/dreaming/webhooks/deliveries/" + dead.Id);
        Assert.Empty(delivery.QuerySelectorAll("script"));
        Assert.StartsWith("<script>alert(1)</script>", delivery.QuerySelector("pre.last-error")?.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_app_without_an_outbox_says_so_and_its_actions_are_404()
    {
        await using var host = await AgentViewHost.StartAsync();

        var page = await host.PageAsync("/dreaming/webhooks");
        Assert.StartsWith("This app has no webhook outbox: it did not call AddWebhooks", page.QuerySelector("p.no-outbox")?.TextContent, StringComparison.Ordinal);
        Assert.Contains(page.QuerySelectorAll("header nav a"), a => a.GetAttribute("href") == "/dreaming/webhooks");

        using var client = host.Client();
        using var delivery = await client.GetAsync(new Uri("/dreaming/webhooks/deliveries/whd_1", UriKind.Relative));
        using var replay = await client.PostAsync(new Uri("/dreaming/webhooks/replay-dead", UriKind.Relative), new FormUrlEncodedContent([]));
        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound], [delivery.StatusCode, replay.StatusCode]);
    }

    [Fact]
    public async Task A_replayed_count_that_is_not_one_is_a_400_naming_it()
    {
        await using var host = await AgentViewHost.StartAsync(services: TestWebhooks.AddEndpoints);
        using var client = host.Client();

        using var response = await client.GetAsync(new Uri("/dreaming/webhooks?replayed=-1", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("replayed '-1' is not a notice this server can read: only the replay of every dead letter links to one, and only a server with the data protection keys that protected it reads it (not one that does not share the app's keys, nor one restarted without keeping them). If you came here from that replay, it was made: the webhooks page, opened without the notice, shows where the deliveries stand.", await TestWebhooks.ErrorAsync(response));
    }
}

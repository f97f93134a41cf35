using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Tests;

/// <summary>The webhooks page and its actions on the SQLite outbox of an app that does not send webhooks itself (as
/// <c>dreaming view</c> serves a database): the deliveries another process's dispatcher wrote.</summary>
public sealed class WebhooksOnSqliteTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("agent-view-hooks-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task The_page_shows_the_sqlite_outboxs_deliveries_and_replays_and_enables_there()
    {
        await using var host = await AgentViewHost.StartAsync(services: services => services.AddDreamingAgents().UseSqliteStore("Data Source=" + Path.Combine(_folder, "dreaming.db")));
        var outbox = host.Outbox();
        Assert.Equal("SqliteWebhookOutboxStore", outbox.GetType().Name);
        var dead = await outbox.SeedAsync("dead", "receiver-1", error: "HTTP 500 <html>", minutes: 1);
        var delivered = await outbox.SeedAsync("delivered", "receiver-1", minutes: 2);
        await outbox.SetEndpointDisabledAsync("receiver-1", "failed 5 deliveries in a row", TestWebhooks.At);

        var page = await host.PageAsync("/dreaming/webhooks");

        Assert.StartsWith("No webhook dispatcher runs in this app (it did not call AddWebhooks)", page.QuerySelector("p.dispatcher")?.TextContent, StringComparison.Ordinal);
        Assert.Equal([dead.Id], page.QuerySelectorAll("section#dead tbody tr td:first-child").Select(td => td.TextContent).ToArray());
        Assert.Equal([delivered.Id], page.QuerySelectorAll("section#delivered tbody tr td:first-child").Select(td => td.TextContent).ToArray());
        Assert.Equal(["receiver-1", "not configured in this app", "-", "-", "disabled since 2026-11-02 08:00:00: failed 5 deliveries in a row", "0"], page.QuerySelectorAll("section#endpoints tbody tr td").Take(6).Select(td => td.TextContent).ToArray());

        using (var enabled = await host.PostFormAsync("/dreaming/webhooks", "webhook-enable"))
        {
            Assert.Equal(HttpStatusCode.SeeOther, enabled.StatusCode);
        }

        using (var replayed = await host.PostFormAsync("/dreaming/webhooks/deliveries/" + dead.Id, "webhook-replay"))
        {
            Assert.Equal(HttpStatusCode.SeeOther, replayed.StatusCode);
        }

        Assert.False((await outbox.GetEndpointAsync("receiver-1")).IsDisabled);
        var row = (await outbox.GetAsync(dead.Id))!;
        Assert.Equal((WebhookDeliveryState.Pending, 0, "HTTP 500 <html>"), (row.State, row.Attempts, row.LastError));
    }
}

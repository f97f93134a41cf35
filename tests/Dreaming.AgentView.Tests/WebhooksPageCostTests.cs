using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Dreaming.AgentView.Tests;

/// <summary>Opt-in (DREAMING_AGENTVIEW_MEASURE=1): the webhooks page's time and size on a SQLite outbox of 3,000 deliveries
/// with 64 KB bodies, at the largest PageSize (500): 1,500 rows, and their bodies, read to show none of them.</summary>
public sealed class WebhooksPageCostTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("agent-view-hooks-cost-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task The_webhooks_page_at_the_largest_page_size_on_SQLite()
    {
        if (Environment.GetEnvironmentVariable("DREAMING_AGENTVIEW_MEASURE") != "1")
        {
            output.WriteLine("Skipped: set DREAMING_AGENTVIEW_MEASURE=1 to measure the webhooks page on 3,000 deliveries of 64 KB.");
            return;
        }

        await using var host = await AgentViewHost.StartAsync(options => options.PageSize = AgentViewOptions.MaxPageSize, services => services.AddDreamingAgents().UseSqliteStore("Data Source=" + Path.Combine(_folder, "dreaming.db")));
        var outbox = host.Outbox();
        var text = new string('x', 64_000);
        for (var i = 0; i < 3000; i++)
        {
            var webhookEvent = WebhookEvent.Create(WebhookEventTypes.SessionFailed, TestWebhooks.At, new JsonObject { ["text"] = text });
            var id = (await outbox.EnqueueAsync(webhookEvent, ["receiver-" + (i % 5).ToString(CultureInfo.InvariantCulture)]))[0].Id;
            if (i % 3 != 0)
            {
                await outbox.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = id, AttemptedAt = TestWebhooks.At, Delivered = i % 3 == 1, StatusCode = i % 3 == 1 ? 200 : 500, Error = i % 3 == 1 ? null : "HTTP 500" });
            }
        }

        using var client = host.Client();
        for (var round = 0; round < 3; round++)
        {
            var watch = Stopwatch.StartNew();
            var html = await client.GetStringAsync(new Uri("/dreaming/webhooks", UriKind.Relative));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"/dreaming/webhooks: {watch.ElapsedMilliseconds} ms, {html.Length:N0} characters"));
            Assert.Equal(3, (await AgentViewHost.ParseAsync(html)).QuerySelectorAll("p.cap").Length);
        }
    }
}

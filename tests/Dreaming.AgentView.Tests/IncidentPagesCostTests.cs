using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Dreaming.AgentView.Tests;

/// <summary>Opt-in (DREAMING_AGENTVIEW_MEASURE=1): the pages an operator opens during an incident, timed and sized on a
/// SQLite file of 10,000 sessions (20 agents, 10 events each, a fifth failed), a dream run whose process stopped holding
/// its lease, and a webhook endpoint whose deliveries fail (1,000 deliveries, a third dead letters).</summary>
public sealed class IncidentPagesCostTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("agent-view-incident-cost-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task The_incident_pages_on_a_store_of_10000_sessions()
    {
        if (Environment.GetEnvironmentVariable("DREAMING_AGENTVIEW_MEASURE") != "1")
        {
            output.WriteLine("Skipped: set DREAMING_AGENTVIEW_MEASURE=1 to measure the incident pages on 10,000 SQLite sessions.");
            return;
        }

        // DREAMING_AGENTVIEW_SESSIONS=100000 measures a larger store (in batches of 1,000).
        var count = int.TryParse(Environment.GetEnvironmentVariable("DREAMING_AGENTVIEW_SESSIONS"), NumberStyles.None, CultureInfo.InvariantCulture, out var given) && given >= 1000 ? given / 1000 * 1000 : 10_000;
        await using var host = await AgentViewHost.StartAsync(services: services => services.AddDreamingAgents().UseSqliteStore("Data Source=" + Path.Combine(_folder, "dreaming.db")));
        var statuses = new[] { SessionStatus.Completed, SessionStatus.Completed, SessionStatus.Failed, SessionStatus.Completed, SessionStatus.Abandoned };
        for (var batch = 0; batch < count / 1000; batch++)
        {
            await host.Traces.ImportAsync([.. Enumerable.Range(batch * 1000, 1000).Select(i =>
            {
                var s = TestSessions.Session("s" + i.ToString("D6", CultureInfo.InvariantCulture), statuses[i % statuses.Length], minute: i, agent: "agent-" + (i % 20).ToString(CultureInfo.InvariantCulture));
                var events = Enumerable.Range(1, 10).Select(k => (SessionEvent)new MessageEvent { Role = k % 2 == 0 ? "assistant" : "user", Text = new string('m', 400) } with { SessionId = s.Session.Id, Sequence = k, Timestamp = s.Session.StartedAt.AddSeconds(k) });
                return s with { Session = s.Session with { Scope = "tenant-" + (i % 50).ToString(CultureInfo.InvariantCulture) }, Events = [.. events] };
            })]);
        }

        var run = await host.DreamRuns.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("agent-3") });
        await host.DreamRuns.StartAsync(run.Id, "worker-1 <pid 42>", TimeSpan.FromSeconds(1));
        var outbox = host.Outbox();
        for (var i = 0; i < 1000; i++)
        {
            var webhookEvent = WebhookEvent.Create(WebhookEventTypes.SessionFailed, TestWebhooks.At, new JsonObject { ["text"] = new string('x', 2_000) });
            var id = (await outbox.EnqueueAsync(webhookEvent, ["ops"]))[0].Id;
            await outbox.RecordAttemptAsync(new WebhookAttemptResult { DeliveryId = id, AttemptedAt = TestWebhooks.At, Delivered = false, StatusCode = 503, Error = "HTTP 503", NextAttemptAt = i % 3 == 0 ? null : TestWebhooks.At.AddMinutes(5) });
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{count:N0} sessions of 10 events"));
        using var client = host.Client();
        string[] urls =
        [
            "/dreaming/", "/dreaming/sessions", "/dreaming/sessions?status=failed", "/dreaming/sessions?agent=agent-7&status=abandoned",
            "/dreaming/sessions?scope=tenant-9&size=500", "/dreaming/sessions/s005000", "/dreaming/agents", "/dreaming/agents/agent-3",
            "/dreaming/memory", "/dreaming/runs", "/dreaming/runs?scope=agent%3Aagent-3", "/dreaming/runs/" + run.Id, "/dreaming/webhooks",
        ];
        foreach (var url in urls)
        {
            var times = new List<long>();
            var length = 0;
            for (var round = 0; round < 3; round++)
            {
                var watch = Stopwatch.StartNew();
                using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
                var body = await response.Content.ReadAsByteArrayAsync();
                times.Add(watch.ElapsedMilliseconds);
                length = body.Length;
                Assert.True(response.IsSuccessStatusCode, url + ": " + (int)response.StatusCode);
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{url}: {string.Join(" / ", times)} ms, {length:N0} bytes"));
        }
    }
}

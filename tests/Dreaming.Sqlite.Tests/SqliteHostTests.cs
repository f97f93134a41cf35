using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dreaming.Sqlite.Tests;

/// <summary>A host built the way an adopting application builds it, on a SQLite file.</summary>
public sealed class SqliteHostTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_host_stopped_with_a_short_shutdown_timeout_writes_every_accepted_event_before_the_file_closes()
    {
        var file = _folder.File("host.db");
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(100));
        builder.Services.AddDreamingAgents(o => o.AgentId = "bot")
            .AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookSecret.Generate())
            .UseSqliteStore(file)
            .AddWebhookEndpoint("chat", "https://chat.example.com/hook", WebhookSecret.Generate())
            .AddDreamSchedule("bot", "0 3 * * *")
            .AddOrchestrator();
        string open, done;
        using (var host = builder.Build())
        {
            await host.StartAsync();
            var sessions = host.Services.GetRequiredService<IAgentSessionFactory>();
            var s1 = sessions.StartSession("bot", "one");
            done = s1.Id;
            await s1.RecordAsync(new NoteEvent { SessionId = s1.Id, Text = "a" });
            await s1.CompleteAsync(SessionStatus.Completed, SessionOutcome.Succeeded());
            // A session still open at the stop: its events are queued, not yet written.
            var s2 = sessions.StartSession("bot", "two");
            open = s2.Id;
            for (var i = 0; i < 100; i++)
            {
                await s2.RecordAsync(new NoteEvent { SessionId = s2.Id, Text = "n" + i });
            }

            await host.StopAsync();
        }

        using var store = new SqliteTraceStore(new SqliteTraceStoreOptions { ConnectionString = file });
        Assert.Single(await store.GetEventsAsync(done));
        Assert.Equal(100, (await store.GetEventsAsync(open)).Count);

        // The completed session's end went to both endpoints through the file's outbox.
        using var outbox = new SqliteWebhookOutboxStore(new SqliteTraceStoreOptions { ConnectionString = file });
        Assert.Equal(["chat", "ci"], (await outbox.ListAsync()).Select(d => d.EndpointId).Order(StringComparer.Ordinal));
    }
}

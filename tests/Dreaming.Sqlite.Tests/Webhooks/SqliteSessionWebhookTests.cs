using Dreaming.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Sqlite.Tests.Webhooks;

/// <summary>With the outbox on the trace store's file, a session's end and its webhook row are one transaction.</summary>
public sealed class SqliteSessionWebhookTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Ending_a_session_writes_exactly_one_row_in_the_same_file()
    {
        var path = _folder.File("tx.db");
        await using var harness = WebhookHarness.Create(path, "https://ci.example.com/hook");
        Assert.True(((ISessionWebhookWriter)harness.Services.GetRequiredService<ITraceStore>()).WritesSessionWebhooks);

        await using (var session = harness.Services.GetRequiredService<IAgentSessionFactory>().StartSession("support-bot", "refund"))
        {
            await session.CompleteAsync(SessionStatus.Failed);
        }

        var row = Assert.Single(await harness.Outbox.ListAsync());
        Assert.Equal(WebhookEventTypes.SessionFailed, row.EventType);
        Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id WHERE e.type = 'session.failed'"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_host_decorator_around_the_sqlite_trace_store_does_not_make_the_session_webhooks_twice(bool asyncDecorator)
    {
        // A logging or metrics decorator put around the registered store hides its ISessionWebhookWriter: the session used to
        // publish the end again after the store had written it in its transaction, two events (two webhook-ids) a session.
        var path = _folder.File("decorated.db");
        var services = new ServiceCollection();
        var builder = services.AddDreamingAgents().UseSqliteStore(path);
        if (asyncDecorator)
        {
            var registered = services.Last(d => d.ServiceType == typeof(ITraceStore));
            services.Remove(registered);
            services.AddSingleton<ITraceStore>(sp => new DecoratedStore((ITraceStore)registered.ImplementationFactory!(sp)));
        }
        else
        {
            HostDecorator.Redecorate<ITraceStore>(services);
        }

        builder.AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookHarness.Secret);
        await using var provider = services.BuildServiceProvider();
        Assert.IsNotAssignableFrom<ISessionWebhookWriter>(provider.GetRequiredService<ITraceStore>());
        var sessions = provider.GetRequiredService<IAgentSessionFactory>();

        await using (var completed = sessions.StartSession("support-bot", "refund"))
        {
            await completed.CompleteAsync();
        }

        await using (sessions.StartSession("support-bot", "abandoned on disposal"))
        {
        }

        var rows = await provider.GetRequiredService<IWebhookOutboxStore>().ListAsync();
        Assert.Equal([WebhookEventTypes.SessionCompleted, WebhookEventTypes.SessionFailed], rows.Select(r => r.EventType).Order(StringComparer.Ordinal));
        Assert.Equal(2, SqliteFiles.Long(path, "SELECT count(*) FROM webhook_events"));
    }

    [Fact]
    public async Task A_decorated_sqlite_trace_store_without_the_outbox_on_its_file_still_has_its_sessions_published()
    {
        // The store the host built itself writes no rows, so the session announces the end, behind a decorator or not.
        var path = _folder.File("own.db");
        var services = new ServiceCollection();
        services.AddDreamingAgents()
            .UseTraceStore(_ => new DecoratedStore(new SqliteTraceStore(path)))
            .AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookHarness.Secret);
        await using var provider = services.BuildServiceProvider();

        await using (var session = provider.GetRequiredService<IAgentSessionFactory>().StartSession("support-bot", "refund"))
        {
            await session.CompleteAsync(SessionStatus.Failed);
        }

        var row = Assert.Single(await provider.GetRequiredService<IWebhookOutboxStore>().ListAsync());
        Assert.Equal(WebhookEventTypes.SessionFailed, row.EventType);
    }

    [Fact]
    public async Task The_session_webhook_written_with_the_end_carries_the_sessions_scope_when_it_has_one()
    {
        var path = _folder.File("scope.db");
        await using var harness = WebhookHarness.Create(path, "https://ci.example.com/hook");
        var sessions = harness.Services.GetRequiredService<IAgentSessionFactory>();
        await using (var billing = sessions.StartSession(new AgentSessionOptions { AgentId = "support-bot", Task = "refund", Scope = "billing" }))
        {
            await billing.CompleteAsync();
        }

        await using (var solo = sessions.StartSession("support-bot", "refund"))
        {
            await solo.CompleteAsync(SessionStatus.Failed);
        }

        var rows = (await harness.Outbox.ListAsync()).Select(r => System.Text.Json.JsonDocument.Parse(r.Body).RootElement.GetProperty("data").Clone()).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal("billing", Assert.Single(rows, d => d.GetProperty("status").GetString() == "completed").GetProperty("scope").GetString());
        Assert.False(Assert.Single(rows, d => d.GetProperty("status").GetString() == "failed").TryGetProperty("scope", out _));
    }

    [Fact]
    public async Task A_task_that_makes_the_session_event_too_large_is_cut_in_the_row_written_with_the_end()
    {
        // The task is kept up to DreamingOptions.MaxContentLength (32,768 characters); each non-ASCII one is a 6-byte
        // escape in the body: about 196 KB, three times the default MaxPayloadBytes.
        var path = _folder.File("large.db");
        await using var harness = WebhookHarness.Create(path, "https://ci.example.com/hook", o => o.IncludeFullPayloads = true);
        var task = new string('é', 40_000);
        await using (var session = harness.Services.GetRequiredService<IAgentSessionFactory>().StartSession("support-bot", task))
        {
            await session.CompleteAsync();
        }

        var row = Assert.Single(await harness.Outbox.ListAsync());
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(row.Body), WebhookOptions.DefaultMaxPayloadBytes - 1024, WebhookOptions.DefaultMaxPayloadBytes);
        var data = System.Text.Json.JsonDocument.Parse(row.Body).RootElement.GetProperty("data");
        Assert.Equal("support-bot", data.GetProperty("agent_id").GetString());
        Assert.StartsWith("éééé", data.GetProperty("task").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("é…", data.GetProperty("task").GetString(), StringComparison.Ordinal);
        var cut = Assert.Single(data.GetProperty("truncated").EnumerateArray());
        Assert.Equal("/task", cut.GetProperty("path").GetString());
        Assert.True(cut.GetProperty("original_length").GetInt32() >= 32_768);
    }

    [Fact]
    public async Task When_the_outbox_row_cannot_be_written_the_session_does_not_end_either()
    {
        var path = _folder.File("rollback.db");
        await using var harness = WebhookHarness.Create(path, "https://ci.example.com/hook");
        var store = harness.Services.GetRequiredService<ITraceStore>();
        await store.InitializeAsync();
        SqliteFiles.Execute(path, "CREATE TRIGGER outbox_broken BEFORE INSERT ON webhook_deliveries BEGIN SELECT RAISE(ABORT, 'outbox broken'); END;");
        await using var session = harness.Services.GetRequiredService<IAgentSessionFactory>().StartSession("support-bot", "refund");

        await Assert.ThrowsAsync<TraceStoreException>(() => session.CompleteAsync());

        Assert.Equal(SessionStatus.Running, (await store.GetSessionAsync(session.Id))!.Status);
        SqliteFiles.Execute(path, "DROP TRIGGER outbox_broken;");
        await session.CompleteAsync();
        Assert.Equal(SessionStatus.Completed, (await store.GetSessionAsync(session.Id))!.Status);
        Assert.Single(await harness.Outbox.ListAsync());
    }

    [Fact]
    public async Task Without_endpoints_the_trace_store_writes_no_rows()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseSqliteStore(_folder.File("none.db")).AddWebhooks();
        await using var provider = services.BuildServiceProvider();
        Assert.False(((ISessionWebhookWriter)provider.GetRequiredService<ITraceStore>()).WritesSessionWebhooks);

        await using (var session = provider.GetRequiredService<IAgentSessionFactory>().StartSession("a", "t"))
        {
            await session.CompleteAsync();
        }

        Assert.Empty(await provider.GetRequiredService<IWebhookOutboxStore>().ListAsync());
    }

    /// <summary>A host's decorator written with async/await, whose flow-local changes its caller does not see.</summary>
    private sealed class DecoratedStore(ITraceStore inner) : ForwardingTraceStore(inner), IDisposable
    {
        public override async Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            await base.CompleteSessionAsync(completion, cancellationToken);
        }

        public void Dispose() => (Inner as IDisposable)?.Dispose();
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Cli.Tests;

/// <summary>How a command that runs on (<c>dreaming view</c>) finds the tables a PostgreSQL app makes after it started:
/// <see cref="SchemaComponents"/> reads <c>schema_versions</c> again at most every <see cref="SchemaComponents.RecheckInterval"/>,
/// only while a component asked for is missing. The schema is read by a counting reader here, the clock is a fake one.</summary>
public sealed class SchemaComponentsTests
{
    [Fact]
    public async Task A_missing_component_is_read_again_only_when_asked_and_at_most_once_every_two_seconds()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var schema = new CountingSchema(CliServices.TracesComponent);
        var components = new SchemaComponents(schema.ReadAsync, new HashSet<string>([CliServices.TracesComponent], StringComparer.Ordinal), time);

        // Read when the command started: not again within 2 s, however often asked.
        Assert.False(await components.HasAsync(CliServices.MemoryComponent, CancellationToken.None));
        time.Advance(SchemaComponents.RecheckInterval - TimeSpan.FromMilliseconds(1));
        Assert.False(await components.HasAsync(CliServices.MemoryComponent, CancellationToken.None));
        Assert.Equal(0, schema.Reads);

        // 2 s on, the next request reads it again; the one right after it does not.
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(await components.HasAsync(CliServices.MemoryComponent, CancellationToken.None));
        Assert.False(await components.HasAsync(CliServices.MemoryComponent, CancellationToken.None));
        Assert.Equal(1, schema.Reads);

        // The app made the memory tables: found at the first request 2 s after the last read, not before.
        schema.Add(CliServices.MemoryComponent);
        time.Advance(SchemaComponents.RecheckInterval / 2);
        Assert.False(await components.HasAsync(CliServices.MemoryComponent, CancellationToken.None));
        Assert.Equal(1, schema.Reads);
        time.Advance(SchemaComponents.RecheckInterval / 2);
        Assert.True(await components.HasAsync(CliServices.MemoryComponent, CancellationToken.None));
        Assert.Equal(2, schema.Reads);

        // Once found (an app never drops a store's tables) it is never read for again, nor is a component present at the start.
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await components.HasAsync(CliServices.MemoryComponent, CancellationToken.None));
        Assert.True(await components.HasAsync(CliServices.TracesComponent, CancellationToken.None));
        Assert.Equal(2, schema.Reads);

        // No time passes unasked: with no request, nothing is read, however long the view runs.
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(2, schema.Reads);
    }

    [Fact]
    public async Task A_server_that_fails_a_read_is_asked_again_no_sooner_than_two_seconds_later()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var schema = new CountingSchema(CliServices.TracesComponent) { Fails = true };
        var components = new SchemaComponents(schema.ReadAsync, new HashSet<string>([CliServices.TracesComponent], StringComparer.Ordinal), time);
        time.Advance(SchemaComponents.RecheckInterval);

        await Assert.ThrowsAsync<TraceStoreException>(() => components.HasAsync(CliServices.WebhooksComponent, CancellationToken.None).AsTask());
        Assert.False(await components.HasAsync(CliServices.WebhooksComponent, CancellationToken.None));
        Assert.Equal(1, schema.Reads);

        schema.Fails = false;
        schema.Add(CliServices.WebhooksComponent);
        time.Advance(SchemaComponents.RecheckInterval);
        Assert.True(await components.HasAsync(CliServices.WebhooksComponent, CancellationToken.None));
        Assert.Equal(2, schema.Reads);
    }

    // A schema without the trace tables (made by the memory store, or by the view's disabling of a webhook endpoint, before
    // the app's first session) was read as empty for as long as the view ran; its trace store now looks for them again.
    [Fact]
    public async Task A_trace_store_whose_tables_were_missing_goes_to_the_database_once_the_app_made_them()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var schema = new CountingSchema(CliServices.MemoryComponent);
        var components = new SchemaComponents(schema.ReadAsync, new HashSet<string>([CliServices.MemoryComponent], StringComparer.Ordinal), time);
        var database = new InMemoryTraceStore();
        var services = new ServiceCollection();
        services.AddSingleton<ITraceStore>(_ => database);
        CliServices.ReadMissingAsEmpty(services, components);
        await using var provider = services.BuildServiceProvider();
        var traces = provider.GetRequiredService<ITraceStore>();

        // The app's first session, after the view started.
        await database.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = "first", AgentId = "support-bot", Task = "hello", StartedAt = time.GetUtcNow() }], []));
        Assert.Empty((await traces.QuerySessionsAsync(new SessionQuery())).Items);

        schema.Add(CliServices.TracesComponent);
        time.Advance(SchemaComponents.RecheckInterval);
        Assert.Equal(["first"], (await traces.QuerySessionsAsync(new SessionQuery())).Items.Select(s => s.Id));
        Assert.Equal("first", (await CliStores.GetSessionWithEventsAsync(traces, "first", CancellationToken.None))?.Session.Id);
        Assert.Equal(["first"], await traces.StreamSessionsAsync(new SessionQuery()).Select(s => s.Session.Id).ToListAsync());
        Assert.Equal(1, schema.Reads);
    }

    // Reads the components a test gives it, counting the reads; throws as an unreachable server does when told.
    private sealed class CountingSchema(params string[] components)
    {
        private readonly HashSet<string> _components = new(components, StringComparer.Ordinal);

        public int Reads { get; private set; }

        public bool Fails { get; set; }

        public void Add(string component) => _components.Add(component);

        public Task<IReadOnlySet<string>> ReadAsync(CancellationToken cancellationToken)
        {
            Reads++;
            return Fails
                ? Task.FromException<IReadOnlySet<string>>(new TraceStoreException("Cannot open the PostgreSQL database at 'db:5432/app/dreaming': connection refused"))
                : Task.FromResult<IReadOnlySet<string>>(new HashSet<string>(_components, StringComparer.Ordinal));
        }
    }
}

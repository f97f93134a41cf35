using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>Events written with no endpoint: listed oldest first, dropped before a time, routed by a host's dispatcher.</summary>
public sealed class PostgresWebhookUnroutedTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 4, 0, 0, TimeSpan.Zero);

    private readonly string _schema = PostgresTestServer.NewSchema();
    private PostgresWebhookOutboxStore _store = null!;

    public Task InitializeAsync()
    {
        _store = new PostgresWebhookOutboxStore(PostgresTestServer.NewOptions(_schema), new FakeTimeProvider(Now));
        return _store.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await PostgresTestServer.DropSchemaAsync(_schema);
    }

    [Fact]
    public async Task Unrouted_events_are_listed_oldest_first_dropped_before_a_time_and_the_rest_routed()
    {
        var written = new List<WebhookEvent>();
        await using (var connection = await _store.Database.OpenAsync(CancellationToken.None))
        {
            for (var i = 4; i >= 0; i--)
            {
                var webhookEvent = WebhookEvent.Create("dream.completed", Now, new JsonObject { ["i"] = i });
                written.Insert(0, webhookEvent);
                await PostgresWebhookRows.InsertAsync(connection, null, webhookEvent, [], Now.AddMinutes(i), CancellationToken.None);
            }
        }

        var listed = await _store.ListUnroutedAsync();
        var dropped = await _store.DropUnroutedAsync(Now.AddMinutes(2));
        var routed = await _store.RouteUnroutedAsync(_ => ["ci"], Now.AddMinutes(10), 10);

        Assert.Equal(written.Select(e => e.Id), listed.Select(u => u.EventId));
        Assert.Equal(Now.AddMinutes(3), listed[3].CreatedAt);
        Assert.Equal(written.Take(2).Select(e => e.Id), dropped);
        Assert.Equal((3, 0), routed);
        Assert.Empty(await _store.ListUnroutedAsync());
        var deliveries = await _store.ListAsync();
        Assert.Equal(written.Skip(2).Select(e => e.Id).Order(StringComparer.Ordinal), deliveries.Select(d => d.EventId).Order(StringComparer.Ordinal));
        Assert.All(deliveries, d => Assert.Equal(written.Single(e => e.Id == d.EventId).ToBody(), d.Body));
        Assert.Equal((0, 0), await _store.RouteUnroutedAsync(_ => ["ci"], Now.AddMinutes(10), 10));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _store.ListUnroutedAsync(0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _store.RouteUnroutedAsync(_ => [], Now, 0));
    }

    [Fact]
    public async Task An_event_dropped_while_another_instance_routes_is_routed_or_dropped_never_both()
    {
        await using var other = new PostgresWebhookOutboxStore(PostgresTestServer.NewOptions(_schema), new FakeTimeProvider(Now));
        await using (var connection = await _store.Database.OpenAsync(CancellationToken.None))
        {
            for (var i = 0; i < 200; i++)
            {
                await PostgresWebhookRows.InsertAsync(connection, null, WebhookEvent.Create("a.b", Now, []), [], Now, CancellationToken.None);
            }
        }

        using var start = new Barrier(2);
        var routing = Task.Run(async () =>
        {
            start.SignalAndWait();
            var routed = 0;
            while (await other.RouteUnroutedAsync(_ => ["ci"], Now, 7) is { Routed: > 0 } pass)
            {
                routed += pass.Routed;
            }

            return routed;
        });
        var dropping = Task.Run(async () =>
        {
            start.SignalAndWait();
            await Task.Delay(20);
            return await _store.DropUnroutedAsync(Now.AddMinutes(1));
        });

        var (routedCount, droppedIds) = (await routing, await dropping);
        var delivered = (await _store.ListAsync(limit: 1000)).Select(d => d.EventId).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(200, routedCount + droppedIds.Count);
        Assert.Equal(routedCount, delivered.Count);
        Assert.DoesNotContain(droppedIds, delivered.Contains);
        Assert.Empty(await _store.ListUnroutedAsync());
    }
}

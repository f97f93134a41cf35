using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>Text PostgreSQL cannot hold as it is (NUL, lone surrogates) and large bodies, in every column the outbox writes.</summary>
public sealed class PostgresWebhookHostileTextTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 4, 0, 0, TimeSpan.Zero);

    private readonly string _schema = PostgresTestServer.NewSchema();
    private PostgresWebhookOutboxStore _store = null!;

    public Task InitializeAsync()
    {
        _store = new PostgresWebhookOutboxStore(PostgresTestServer.NewOptions(_schema), new FakeTimeProvider(Now));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await PostgresTestServer.DropSchemaAsync(_schema);
    }

    [Fact]
    public async Task Hostile_and_large_bodies_are_sent_exactly_as_they_were_written()
    {
        var big = new string('x', 1_500_000) + "\u0000" + "\U0001F600";
        var hostile = WebhookEvent.Create("a.b", Now, new JsonObject
        {
            ["nul"] = "a\u0000b",
            ["lone"] = "\uD800 and \uDFFF",
            ["rtl"] = "\u202Eevil\u202C",
            ["json"] = "\"}], \\",
            ["big"] = big,
        });

        var created = await _store.EnqueueAsync(hostile, ["ci"]);
        var claimed = await _store.ClaimDueAsync(Now, TimeSpan.FromSeconds(30), 10);
        var stored = await _store.GetAsync(created[0].Id);

        Assert.Equal(hostile.ToBody(), Assert.Single(claimed).Body);
        Assert.Equal(hostile.ToBody(), stored!.Body);
        Assert.True(stored.Body.Length > 1_500_000);
        Assert.Equal(big, JsonNode.Parse(stored.Body)!["data"]!["big"]!.GetValue<string>());
    }

    /// <summary>xunit would turn a lone surrogate given as test data into U+FFFD, so the texts are made here.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_type_or_endpoint_id_PostgreSQL_cannot_hold_is_refused_by_name_and_looked_up_as_unknown(int which)
    {
        var text = new[] { "a\u0000b", "a\uD800b", "\uDFFF" }[which];
        var type = await Assert.ThrowsAsync<ArgumentException>(() => _store.EnqueueAsync(WebhookEvent.Create(text, Now, []), ["ci"]));
        var endpoint = await Assert.ThrowsAsync<ArgumentException>(() => _store.EnqueueAsync(WebhookEvent.Create("a.b", Now, []), [text]));
        var disable = await Assert.ThrowsAsync<ArgumentException>(() => _store.SetEndpointDisabledAsync(text, "off", Now));

        Assert.Equal("webhookEvent", type.ParamName);
        Assert.Equal("endpointIds", endpoint.ParamName);
        Assert.Equal("endpointId", disable.ParamName);
        Assert.Contains("PostgreSQL text cannot store", endpoint.Message, StringComparison.Ordinal);
        Assert.Null(await _store.GetAsync(text));
        Assert.Equal(0, (await _store.GetEndpointAsync(text)).ConsecutiveFailures);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => _store.KillAsync(text, "gone"));
        Assert.Empty(await _store.ListAsync());
    }

    [Fact]
    public async Task A_receivers_answer_with_NUL_and_lone_surrogates_is_recorded_with_replacement_characters()
    {
        var delivery = (await _store.EnqueueAsync(WebhookEvent.Create("a.b", Now, []), ["ci"]))[0];

        var (recorded, endpoint) = await _store.RecordAttemptAsync(new WebhookAttemptResult
        {
            DeliveryId = delivery.Id,
            AttemptedAt = Now,
            StatusCode = 500,
            Error = "500 bad\u0000answer \uD800 \U0001F600",
        });
        var disabled = await _store.SetEndpointDisabledAsync("ci", "gone\u0000away \uDC00", Now);

        Assert.Equal("500 bad\uFFFDanswer \uFFFD \U0001F600", recorded.LastError);
        Assert.Equal(recorded.LastError, (await _store.GetAsync(delivery.Id))!.LastError);
        Assert.Equal(1, endpoint.ConsecutiveFailures);
        Assert.Equal("gone\uFFFDaway \uFFFD", disabled.DisabledReason);
        Assert.Equal(disabled.DisabledReason, (await _store.GetEndpointAsync("ci")).DisabledReason);
    }
}

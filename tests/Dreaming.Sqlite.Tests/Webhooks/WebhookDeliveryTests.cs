using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Dreaming.Sqlite.Tests.Webhooks;

/// <summary>How the dispatcher treats each kind of answer, against a real Kestrel receiver, with a fake clock moved by hand.</summary>
public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync(WebhookHarness.Secret);

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task A_2xx_answer_delivers_a_signed_body_with_the_standard_headers()
    {
        await using var harness = Harness();
        var delivery = await harness.PublishOneAsync();

        Assert.Equal(1, await harness.Dispatcher.DispatchDueAsync());

        var received = Assert.Single(_receiver.Received);
        Assert.True(received.SignatureValid);
        Assert.Equal(delivery.EventId, received.Id);
        Assert.Equal(harness.Clock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), received.Timestamp);
        Assert.Equal(delivery.Body, received.Body);
        using var body = JsonDocument.Parse(received.Body);
        Assert.Equal("session.completed", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("ses_1", body.RootElement.GetProperty("data").GetProperty("session_id").GetString());
        var stored = await harness.GetAsync(delivery.Id);
        Assert.Equal(WebhookDeliveryState.Delivered, stored.State);
        Assert.Equal(200, stored.LastStatusCode);
    }

    [Fact]
    public async Task A_500_forever_follows_the_retry_schedule_with_jitter_and_ends_as_a_replayable_dead_letter()
    {
        _receiver.Respond = static (context, _) =>
        {
            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        };
        await using var harness = Harness();
        var delivery = await harness.PublishOneAsync();
        var schedule = WebhookOptions.DefaultRetrySchedule;

        for (var attempt = 1; attempt <= schedule.Count; attempt++)
        {
            Assert.Equal(1, await harness.Dispatcher.DispatchDueAsync());
            var stored = await harness.GetAsync(delivery.Id);
            Assert.Equal(attempt, stored.Attempts);
            Assert.Equal(500, stored.LastStatusCode);
            if (attempt == schedule.Count)
            {
                Assert.Equal(WebhookDeliveryState.Dead, stored.State);
                break;
            }

            // The next attempt is persisted, at the scheduled delay ±20 % jitter, and nothing is sent before it.
            var delay = stored.NextAttemptAt - harness.Clock.GetUtcNow();
            Assert.InRange(delay.TotalMilliseconds, schedule[attempt].TotalMilliseconds * 0.8 - 1, schedule[attempt].TotalMilliseconds * 1.2 + 1);
            Assert.Equal(0, await harness.Dispatcher.DispatchDueAsync());
            harness.Clock.Advance(delay);
        }

        Assert.Equal(schedule.Count, _receiver.Received.Count);
        Assert.Single(_receiver.Received.Select(r => r.Id).Distinct());
        Assert.All(_receiver.Received, r => Assert.True(r.SignatureValid));
        Assert.Equal(delivery.Id, Assert.Single(await harness.Outbox.ListAsync(WebhookDeliveryState.Dead)).Id);

        _receiver.Respond = static (context, _) => Task.CompletedTask;
        await harness.Outbox.ReplayAsync(delivery.Id, harness.Clock.GetUtcNow());
        Assert.Equal(1, await harness.Dispatcher.DispatchDueAsync());
        Assert.Equal(WebhookDeliveryState.Delivered, (await harness.GetAsync(delivery.Id)).State);
        Assert.Equal(delivery.EventId, _receiver.Received.Last().Id);
    }

    [Fact]
    public async Task Retries_of_deliveries_that_failed_together_are_spread_by_jitter_and_fall_together_without_it()
    {
        _receiver.Respond = static (context, _) =>
        {
            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        };

        async Task<int> DistinctRetryTimesAsync(WebhookHarness harness)
        {
            for (var i = 0; i < 12; i++)
            {
                await harness.PublishOneAsync();
            }

            while (await harness.Dispatcher.DispatchDueAsync() > 0)
            {
            }

            var rows = await harness.Outbox.ListAsync(limit: 100);
            Assert.Equal(12, rows.Count);
            Assert.All(rows, r => Assert.Equal(1, r.Attempts));
            return rows.Select(r => r.NextAttemptAt).Distinct().Count();
        }

        await using (var jittered = WebhookHarness.Create(_folder.File("jittered.db"), _receiver.Url))
        {
            Assert.True(await DistinctRetryTimesAsync(jittered) > 6);
        }

        await using var flat = WebhookHarness.Create(_folder.File("flat.db"), _receiver.Url, o => o.Jitter = 0);
        Assert.Equal(1, await DistinctRetryTimesAsync(flat));
    }

    [Fact]
    public async Task A_redirect_is_not_followed_and_counts_as_a_failure()
    {
        _receiver.Respond = static (context, _) =>
        {
            if (context.Request.Path == "/hook")
            {
                context.Response.Redirect("/elsewhere");
            }

            return Task.CompletedTask;
        };
        await using var harness = Harness();
        var delivery = await harness.PublishOneAsync();

        await harness.Dispatcher.DispatchDueAsync();

        Assert.Equal("/hook", Assert.Single(_receiver.Received).Path);
        var stored = await harness.GetAsync(delivery.Id);
        Assert.Equal(WebhookDeliveryState.Pending, stored.State);
        Assert.Equal(302, stored.LastStatusCode);
        Assert.Contains("redirect to /elsewhere not followed", stored.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_410_disables_the_endpoint_and_later_deliveries_become_dead_letters_naming_why()
    {
        _receiver.Respond = static (context, _) =>
        {
            context.Response.StatusCode = 410;
            return Task.CompletedTask;
        };
        await using var harness = Harness();
        var first = await harness.PublishOneAsync();

        await harness.Dispatcher.DispatchDueAsync();
        var second = await harness.PublishOneAsync();
        await harness.Dispatcher.DispatchDueAsync();

        Assert.Single(_receiver.Received);
        Assert.Equal(WebhookDeliveryState.Dead, (await harness.GetAsync(first.Id)).State);
        var endpoint = await harness.Outbox.GetEndpointAsync("ci");
        Assert.Equal("the endpoint answered 410 Gone", endpoint.DisabledReason);
        var dead = await harness.GetAsync(second.Id);
        Assert.Equal(WebhookDeliveryState.Dead, dead.State);
        Assert.Equal("endpoint 'ci' is disabled: the endpoint answered 410 Gone", dead.LastError);
    }

    [Fact]
    public async Task A_429_with_retry_after_is_retried_exactly_then()
    {
        _receiver.Respond = static (context, _) =>
        {
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "120";
            return Task.CompletedTask;
        };
        await using var harness = Harness();
        var delivery = await harness.PublishOneAsync();

        await harness.Dispatcher.DispatchDueAsync();

        var stored = await harness.GetAsync(delivery.Id);
        Assert.Equal(WebhookDeliveryState.Pending, stored.State);
        Assert.Equal(429, stored.LastStatusCode);
        Assert.Equal(harness.Clock.GetUtcNow().AddSeconds(120).ToUnixTimeMilliseconds(), stored.NextAttemptAt.ToUnixTimeMilliseconds());
        harness.Clock.Advance(TimeSpan.FromSeconds(119));
        Assert.Equal(0, await harness.Dispatcher.DispatchDueAsync());
        harness.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await harness.Dispatcher.DispatchDueAsync());
    }

    [Fact]
    public async Task A_hanging_endpoint_times_out_and_is_retried()
    {
        var hung = new TaskCompletionSource();
        _receiver.Respond = async (context, _) =>
        {
            hung.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        };
        await using var harness = Harness(o => o.AttemptTimeout = TimeSpan.FromSeconds(10));
        var delivery = await harness.PublishOneAsync();

        var round = harness.Dispatcher.DispatchDueAsync();
        await hung.Task.WaitAsync(TimeSpan.FromSeconds(10));
        harness.Clock.Advance(TimeSpan.FromSeconds(10));
        await round.WaitAsync(TimeSpan.FromSeconds(10));

        var stored = await harness.GetAsync(delivery.Id);
        Assert.Equal(WebhookDeliveryState.Pending, stored.State);
        Assert.Null(stored.LastStatusCode);
        Assert.Equal("timed out after 10 s", stored.LastError);
        Assert.Equal(1, stored.Attempts);
    }

    [Fact]
    public async Task A_closed_connection_is_a_failure_that_is_retried()
    {
        _receiver.Respond = static (context, _) =>
        {
            context.Abort();
            return Task.CompletedTask;
        };
        await using var harness = Harness();
        var delivery = await harness.PublishOneAsync();

        await harness.Dispatcher.DispatchDueAsync();

        var stored = await harness.GetAsync(delivery.Id);
        Assert.Equal(WebhookDeliveryState.Pending, stored.State);
        Assert.Null(stored.LastStatusCode);
        Assert.StartsWith("connection failed", stored.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Consecutive_failed_deliveries_disable_the_endpoint_after_the_configured_number()
    {
        _receiver.Respond = static (context, _) =>
        {
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        };
        await using var harness = Harness(o =>
        {
            o.MaxConsecutiveFailures = 3;
            o.RetrySchedule = [TimeSpan.Zero, TimeSpan.FromMinutes(1)];
        });
        for (var i = 0; i < 4; i++)
        {
            await harness.PublishOneAsync();
        }

        // Retries alone (an outage) do not count; only deliveries that exhaust them.
        Assert.Equal(4, await harness.Dispatcher.DispatchDueAsync());
        Assert.Equal(0, (await harness.Outbox.GetEndpointAsync("ci")).ConsecutiveFailures);
        harness.Clock.Advance(TimeSpan.FromMinutes(2));
        await harness.Dispatcher.DispatchDueAsync();

        var endpoint = await harness.Outbox.GetEndpointAsync("ci");
        Assert.True(endpoint.ConsecutiveFailures >= 3);
        Assert.Contains("deliveries in a row exhausted their retries (last: 503 Service Unavailable)", endpoint.DisabledReason, StringComparison.Ordinal);
        Assert.Equal(4, (await harness.Outbox.ListAsync(WebhookDeliveryState.Dead)).Count);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task Loopback_targets_are_refused_unless_private_networks_are_allowed(string host)
    {
        await using var harness = Harness(o =>
        {
            o.AllowPrivateNetworks = false;
            o.Endpoints[0].Url = $"http://{host}:{_receiver.Port}/hook";
        });
        var delivery = await harness.PublishOneAsync();

        await harness.Dispatcher.DispatchDueAsync();

        Assert.Empty(_receiver.Received);
        var stored = await harness.GetAsync(delivery.Id);
        Assert.Equal(WebhookDeliveryState.Dead, stored.State);
        Assert.Contains("internal address", stored.LastError, StringComparison.Ordinal);
        Assert.True((await harness.Outbox.GetEndpointAsync("ci")).IsDisabled);
    }

    [Fact]
    public async Task An_endpoint_disabled_in_configuration_gets_dead_letters_not_requests()
    {
        await using var harness = Harness(o =>
        {
            o.Endpoints[0].Enabled = false;
            o.Endpoints[0].DisabledReason = "maintenance";
        });
        var delivery = await harness.PublishOneAsync();

        await harness.Dispatcher.DispatchDueAsync();

        Assert.Empty(_receiver.Received);
        Assert.Equal("endpoint 'ci' is disabled in configuration: maintenance", (await harness.GetAsync(delivery.Id)).LastError);
    }

    private WebhookHarness Harness(Action<WebhookOptions>? configure = null) =>
        WebhookHarness.Create(_folder.File("outbox.db"), _receiver.Url, configure);
}

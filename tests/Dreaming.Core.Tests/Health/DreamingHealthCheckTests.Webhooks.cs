using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NSubstitute;

namespace Dreaming.Tests.Health;

/// <summary>The webhooks in the health check: a disabled endpoint and dead letters (until their endpoint delivers again,
/// and not once it is gone from or switched off in configuration), and an outbox that cannot be read.</summary>
public sealed partial class DreamingHealthCheckTests
{
    [Fact]
    public async Task A_disabled_webhook_endpoint_and_its_dead_letters_are_degraded_naming_the_endpoint_but_not_its_url_or_secret()
    {
        var endpoint = new WebhookEndpoint { Id = "ci", Url = "https://ci.example.com/hook?token=abc123" };
        var secret = WebhookSecret.Generate();
        endpoint.Secrets.Add(secret);
        await using var provider = Provider(_ => { }, webhooks: o => o.Endpoints.Add(endpoint));
        var health = provider.GetRequiredService<HealthCheckService>();
        var outbox = provider.GetRequiredService<IWebhookOutboxStore>();
        var fresh = (await health.CheckHealthAsync()).Entries["dreaming"];
        Assert.Equal((HealthStatus.Healthy, "The trace writer and the webhook dispatcher are working."), (fresh.Status, fresh.Description));

        await outbox.SetEndpointDisabledAsync("ci", "the endpoint answered 410 Gone", DateTimeOffset.UtcNow);
        var entry = (await health.CheckHealthAsync()).Entries["dreaming"];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("Webhook endpoints disabled after failed deliveries: ci;", entry.Description, StringComparison.Ordinal);
        Assert.Equal(["ci"], (string[])entry.Data["webhooks.disabled_endpoints"]);
        Assert.Equal(0L, entry.Data["webhooks.dead_letters_since_start"]);

        // A delivery to the disabled endpoint becomes a dead letter, counted since the dispatcher started.
        await outbox.EnqueueAsync(WebhookEvent.Create("a.b", DateTimeOffset.UtcNow, new JsonObject()), ["ci"]);
        Assert.Equal(1, await provider.GetRequiredService<WebhookDispatcher>().DispatchDueAsync());
        entry = (await health.CheckHealthAsync()).Entries["dreaming"];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("Webhook deliveries became dead letters with no delivery to their endpoint since: ci (1) (1 dead letters since the dispatcher started, the last to endpoint ci)", entry.Description, StringComparison.Ordinal);
        Assert.Equal(["ci"], (string[])entry.Data["webhooks.dead_since_delivered"]);
        Assert.Equal(1L, entry.Data["webhooks.dead_letters_since_start"]);

        var shown = entry.Description + string.Join(" ", entry.Data.Values.Select(v => v is string[] a ? string.Join(",", a) : v.ToString()));
        foreach (var hidden in new[] { "token", "abc123", "example.com", secret })
        {
            Assert.DoesNotContain(hidden, shown, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Dead_letters_are_degraded_until_their_endpoint_delivers_again_as_after_a_replay()
    {
        // The receiver refuses the first body as too large (a dead letter at once), then takes everything.
        var answers = 0;
        await using var receiver = new Dreaming.Tests.Webhooks.LoopbackReceiver((_, stream, ct) =>
            Dreaming.Tests.Webhooks.LoopbackReceiver.WriteAsync(stream, Interlocked.Increment(ref answers) == 1 ? "HTTP/1.1 413 Payload Too Large\nContent-Length: 0\n" : "HTTP/1.1 204 No Content\n", ct));
        var endpoint = new WebhookEndpoint { Id = "ci", Url = receiver.Url.ToString() };
        endpoint.Secrets.Add(WebhookSecret.Generate());
        await using var provider = Provider(_ => { }, webhooks: o =>
        {
            o.Endpoints.Add(endpoint);
            o.AllowPrivateNetworks = true;
        });
        var check = provider.GetRequiredService<DreamingHealthCheck>();
        var outbox = provider.GetRequiredService<IWebhookOutboxStore>();
        var dispatcher = provider.GetRequiredService<WebhookDispatcher>();

        await outbox.EnqueueAsync(WebhookEvent.Create("a.b", DateTimeOffset.UtcNow, new JsonObject()), ["ci"]);
        Assert.Equal(1, await dispatcher.DispatchDueAsync().WaitAsync(Patience));
        var dead = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Degraded, dead.Status);
        Assert.Contains("no delivery to their endpoint since: ci (1)", dead.Description, StringComparison.Ordinal);

        // The operator replays it ('dreaming webhooks replay --all-dead') and the receiver takes it: healthy again, with
        // the dead letter still counted in the data.
        Assert.Equal(1, await outbox.ReplayDeadAsync(DateTimeOffset.UtcNow));
        Assert.Equal(1, await dispatcher.DispatchDueAsync().WaitAsync(Patience));
        Assert.Equal(WebhookDeliveryState.Delivered, Assert.Single(await outbox.ListAsync()).State);
        var healed = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Healthy, healed.Status);
        Assert.Equal(1L, healed.Data["webhooks.dead_letters_since_start"]);
        Assert.Empty((string[])healed.Data["webhooks.dead_since_delivered"]);
    }

    [Fact]
    public async Task Dead_letters_of_an_endpoint_no_longer_configured_do_not_leave_the_check_degraded()
    {
        // The endpoint's URL changed (a new id): the rows still pending for the old id become dead letters, which
        // nothing can deliver again (a replay makes them dead once more), so they are counted but do not degrade.
        await using var provider = Provider(_ => { }, webhooks: o => o.Endpoints.Add(Dreaming.Tests.Webhooks.WebhookPublishingTests.Endpoint("ci")));
        var check = provider.GetRequiredService<DreamingHealthCheck>();
        var outbox = provider.GetRequiredService<IWebhookOutboxStore>();
        var dispatcher = provider.GetRequiredService<WebhookDispatcher>();
        await outbox.EnqueueAsync(WebhookEvent.Create("a.b", DateTimeOffset.UtcNow, new JsonObject()), ["ci-old"]);

        await AssertOneDeadLetterLeavesItHealthyAsync(check, outbox, dispatcher);

        Assert.Equal(1, await outbox.ReplayDeadAsync(DateTimeOffset.UtcNow));
        Assert.Equal(1, await dispatcher.DispatchDueAsync().WaitAsync(Patience));
        var result = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal(2L, result.Data["webhooks.dead_letters_since_start"]);
    }

    [Fact]
    public async Task Dead_letters_of_an_endpoint_switched_off_in_configuration_do_not_leave_the_check_degraded()
    {
        // Enabled = false is the operator's choice: its rows die at once and nothing delivers them while it stays off, so
        // they would keep the check degraded for as long as the endpoint is switched off.
        var off = Dreaming.Tests.Webhooks.WebhookPublishingTests.Endpoint("ci");
        off.Enabled = false;
        await using var provider = Provider(_ => { }, webhooks: o => o.Endpoints.Add(off));
        var check = provider.GetRequiredService<DreamingHealthCheck>();
        var outbox = provider.GetRequiredService<IWebhookOutboxStore>();
        var dispatcher = provider.GetRequiredService<WebhookDispatcher>();
        await outbox.EnqueueAsync(WebhookEvent.Create("a.b", DateTimeOffset.UtcNow, new JsonObject()), ["ci"]);

        await AssertOneDeadLetterLeavesItHealthyAsync(check, outbox, dispatcher);
    }

    [Fact]
    public async Task Cancelling_the_check_while_it_reads_the_outbox_ends_it_with_the_cancellation()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var outbox = Substitute.For<IWebhookOutboxStore>();
        outbox.GetEndpointAsync(default!, default).ReturnsForAnyArgs(async call =>
        {
            entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, call.ArgAt<CancellationToken>(1));
            return new WebhookEndpointState { EndpointId = "ci" };
        });
        await using var provider = Provider(services => services.AddSingleton(outbox), webhooks: o => o.Endpoints.Add(Dreaming.Tests.Webhooks.WebhookPublishingTests.Endpoint("ci")));
        var check = provider.GetRequiredService<DreamingHealthCheck>();
        using var cts = new CancellationTokenSource();

        var running = check.CheckHealthAsync(new HealthCheckContext(), cts.Token);
        await entered.Task.WaitAsync(Patience);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Patience));
    }

    [Fact]
    public async Task An_outbox_that_cannot_be_read_is_degraded_without_its_message()
    {
        var outbox = Substitute.For<IWebhookOutboxStore>();
        outbox.GetEndpointAsync(default!, default).ReturnsForAnyArgs<WebhookEndpointState>(_ => throw new InvalidOperationException("Data Source=/secret/path.db"));
        await using var provider = Provider(services => services.AddSingleton(outbox), webhooks: o => o.Endpoints.Add(Dreaming.Tests.Webhooks.WebhookPublishingTests.Endpoint("ci")));

        var result = await provider.GetRequiredService<DreamingHealthCheck>().CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains("The webhook outbox could not be read (InvalidOperationException)", result.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("/secret/path.db", result.Description, StringComparison.Ordinal);
    }

    // Dispatches the one row enqueued, which dies at once, and finds the check healthy with that dead letter counted.
    private static async Task AssertOneDeadLetterLeavesItHealthyAsync(DreamingHealthCheck check, IWebhookOutboxStore outbox, WebhookDispatcher dispatcher)
    {
        Assert.Equal(1, await dispatcher.DispatchDueAsync().WaitAsync(Patience));
        Assert.Equal(WebhookDeliveryState.Dead, Assert.Single(await outbox.ListAsync()).State);
        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal(1L, result.Data["webhooks.dead_letters_since_start"]);
        Assert.Empty((string[])result.Data["webhooks.dead_since_delivered"]);
    }
}

using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dreaming.Sqlite.Tests.Webhooks;

/// <summary>At-least-once, proved end to end: real hosts running the dispatcher on a SQLite file, a real Kestrel receiver
/// that checks every signature with its own HMAC code, an outage, and a dispatcher stopped mid-delivery.</summary>
public sealed class AtLeastOnceTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Every_event_arrives_after_a_receiver_outage_and_duplicates_share_their_webhook_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync(WebhookHarness.Secret);
        var port = receiver.Port;
        await receiver.StopAsync();
        var path = _folder.File("outage.db");

        using var host = StartHost(path, receiver.Url);
        await host.StartAsync();
        await CompleteSessionsAsync(host, 20);
        var publisher = host.Services.GetRequiredService<IWebhookPublisher>();
        for (var i = 0; i < 10; i++)
        {
            Assert.NotNull(await publisher.PublishAsync(WebhookEventTypes.DreamCompleted, new() { ["dream_run_id"] = $"dr-{i}" }));
        }

        // Down for a while: every attempt is refused and rescheduled. The outage lasts until a delivery has been refused
        // twice (a fixed wait gave a loaded machine's dispatcher too little time for its second try), and no longer than
        // the patience; 61 tries 200 ms apart stay pending for about 12 s, so nothing can be dead by then.
        var outbox = host.Services.GetRequiredService<IWebhookOutboxStore>();
        var refusedTwice = await WaitUntilAsync(outbox, all => all.Any(d => d.Attempts >= 2 && d.LastError!.StartsWith("connection failed", StringComparison.Ordinal)));
        Assert.All(refusedTwice, d => Assert.Equal(WebhookDeliveryState.Pending, d.State));

        // Back, but it fails the first delivery of every third event after reading it, which forces a duplicate.
        var seen = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        receiver.Respond = (context, received) =>
        {
            var times = seen.AddOrUpdate(received.Id, 1, (_, n) => n + 1);
            context.Response.StatusCode = times == 1 && Math.Abs(received.Id.GetHashCode(StringComparison.Ordinal)) % 3 == 0 ? 500 : 200;
            return Task.CompletedTask;
        };
        await receiver.StartOnAsync(port);

        var deliveries = await WaitUntilAllDeliveredAsync(outbox, expected: 30);
        await host.StopAsync();

        var received = receiver.Received.ToList();
        Assert.All(received, r => Assert.True(r.SignatureValid, $"signature of {r.Id} failed the independent check"));
        Assert.Equal(deliveries.Select(d => d.EventId).Order(StringComparer.Ordinal), received.Select(r => r.Id).Distinct().Order(StringComparer.Ordinal));
        var duplicates = received.GroupBy(r => r.Id).Where(g => g.Count() > 1).ToList();
        Assert.NotEmpty(duplicates);
        Assert.All(duplicates, group => Assert.Single(group.Select(r => r.Body).Distinct()));
        Assert.Equal(20, received.Where(r => r.Body.Contains("\"session.", StringComparison.Ordinal)).Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public async Task A_dispatcher_stopped_mid_delivery_and_restarted_on_the_same_file_loses_nothing()
    {
        await using var receiver = await WebhookReceiver.StartAsync(WebhookHarness.Secret);
        var path = _folder.File("restart.db");
        var hanging = new TaskCompletionSource();
        var hang = true;
        var answered = 0;
        receiver.Respond = async (context, _) =>
        {
            // The first few are acknowledged, then the receiver hangs with requests in flight.
            if (Volatile.Read(ref hang) && Interlocked.Increment(ref answered) > 5)
            {
                hanging.TrySetResult();
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
        };

        using (var first = StartHost(path, receiver.Url))
        {
            await first.StartAsync();
            await CompleteSessionsAsync(first, 20);
            await hanging.Task.WaitAsync(Patience);
            await first.StopAsync();
        }

        Volatile.Write(ref hang, false);
        using (var check = new SqliteWebhookOutboxStore(path))
        {
            var left = await check.ListAsync();
            Assert.Equal(20, left.Count);
            Assert.Contains(left, d => d.State == WebhookDeliveryState.Pending);
            Assert.DoesNotContain(left, d => d.State == WebhookDeliveryState.Dead);
        }

        using var second = StartHost(path, receiver.Url);
        await second.StartAsync();
        var deliveries = await WaitUntilAllDeliveredAsync(second.Services.GetRequiredService<IWebhookOutboxStore>(), expected: 20);
        await second.StopAsync();

        var received = receiver.Received.ToList();
        Assert.All(received, r => Assert.True(r.SignatureValid));
        Assert.Equal(deliveries.Select(d => d.EventId).Order(StringComparer.Ordinal), received.Select(r => r.Id).Distinct().Order(StringComparer.Ordinal));
        var sessions = second.Services.GetRequiredService<ITraceStore>();
        Assert.Equal(20, (await sessions.QuerySessionsAsync(new SessionQuery { PageSize = 100 })).Items.Count(s => s.Status != SessionStatus.Running));
    }

    [Fact]
    public async Task A_dispatcher_process_killed_mid_delivery_loses_nothing_after_a_restart_on_the_same_file()
    {
        await using var receiver = await WebhookReceiver.StartAsync(WebhookHarness.Secret);
        var path = _folder.File("killed.db");
        var hanging = new TaskCompletionSource();
        var hang = true;
        var answered = 0;
        receiver.Respond = async (context, _) =>
        {
            if (Volatile.Read(ref hang) && Interlocked.Increment(ref answered) > 3)
            {
                hanging.TrySetResult();
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
        };

        var child = Path.Combine(AppContext.BaseDirectory, "Dreaming.CrashTestHost.dll");
        var acked = new List<string>();
        using (var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet", ["exec", child, path, "webhooks", receiver.Url, WebhookHarness.Secret]) { RedirectStandardOutput = true, RedirectStandardError = true })!)
        {
            try
            {
                using var timeout = new CancellationTokenSource(Patience);
                while (acked.Count < 20)
                {
                    var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                        ?? throw new InvalidOperationException("the child exited early: " + await process.StandardError.ReadToEndAsync());
                    if (line.StartsWith("acked ", StringComparison.Ordinal))
                    {
                        acked.Add(line["acked ".Length..]);
                    }
                }

                await hanging.Task.WaitAsync(Patience);
            }
            finally
            {
                // A hard kill with requests in flight: no graceful stop, no chance to record anything.
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        Volatile.Write(ref hang, false);
        using var restarted = StartHost(path, receiver.Url);
        await restarted.StartAsync();
        var deliveries = await WaitUntilAllDeliveredAsync(restarted.Services.GetRequiredService<IWebhookOutboxStore>(), expected: 20);
        await restarted.StopAsync();

        var received = receiver.Received.ToList();
        Assert.All(received, r => Assert.True(r.SignatureValid));
        Assert.Equal(deliveries.Select(d => d.EventId).Order(StringComparer.Ordinal), received.Select(r => r.Id).Distinct().Order(StringComparer.Ordinal));
        var sessionIds = received.Select(r => System.Text.Json.JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("session_id").GetString()!).Distinct();
        Assert.Equal(acked.Order(StringComparer.Ordinal), sessionIds.Order(StringComparer.Ordinal));
    }

    private static IHost StartHost(string path, string url)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDreamingAgents().UseSqliteStore(path).AddWebhooks(options =>
        {
            options.AllowPrivateNetworks = true;
            options.AttemptTimeout = TimeSpan.FromSeconds(1);
            options.PollInterval = TimeSpan.FromMilliseconds(50);
            options.RetrySchedule = [TimeSpan.Zero, .. Enumerable.Repeat(TimeSpan.FromMilliseconds(200), 60)];
            var endpoint = new WebhookEndpoint { Id = "ci", Url = url };
            endpoint.Secrets.Add(WebhookHarness.Secret);
            options.Endpoints.Add(endpoint);
        });
        return builder.Build();
    }

    private static async Task CompleteSessionsAsync(IHost host, int count)
    {
        var sessions = host.Services.GetRequiredService<IAgentSessionFactory>();
        for (var i = 0; i < count; i++)
        {
            await using var session = sessions.StartSession("support-bot", $"task {i}");
            await session.CompleteAsync(i % 4 == 0 ? SessionStatus.Failed : SessionStatus.Completed);
        }
    }

    /// <summary>Polls the outbox until <paramref name="condition"/> holds for its deliveries, failing after the patience.</summary>
    private static async Task<IReadOnlyList<WebhookDelivery>> WaitUntilAsync(IWebhookOutboxStore outbox, Func<IReadOnlyList<WebhookDelivery>, bool> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            var all = await outbox.ListAsync(limit: 1000);
            if (condition(all))
            {
                return all;
            }

            Assert.False(timeout.IsCancellationRequested, $"the outbox did not reach the state waited for within {Patience.TotalSeconds} s");
            await Task.Delay(50);
        }
    }

    private static async Task<IReadOnlyList<WebhookDelivery>> WaitUntilAllDeliveredAsync(IWebhookOutboxStore outbox, int expected)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            var all = await outbox.ListAsync(limit: 1000);
            if (all.Count == expected && all.All(d => d.State == WebhookDeliveryState.Delivered))
            {
                return all;
            }

            Assert.DoesNotContain(all, d => d.State == WebhookDeliveryState.Dead);
            await Task.Delay(50, timeout.Token);
        }
    }
}

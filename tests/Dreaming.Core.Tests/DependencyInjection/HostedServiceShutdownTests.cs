using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Dreaming.Tests;

/// <summary>The dream scheduler and session retention stopped by a host whose <c>ShutdownTimeout</c> was used up (an
/// ASP.NET Core app with a stream still open): <c>StopAsync</c> gets a cancelled token and does not wait for the loop,
/// and the provider's disposal disposes the store a check or a run is still using. That is the stop: nothing above
/// debug level, and no exception out of <c>ExecuteAsync</c>, which the host would log as 'BackgroundService failed'
/// with a critical entry. (The webhook dispatcher's: <c>WebhookDispatcherShutdownTests</c>.)</summary>
public sealed class HostedServiceShutdownTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [Fact]
    public async Task A_schedule_check_that_meets_the_disposed_store_after_a_stop_ends_the_loop_quietly()
    {
        var runs = Substitute.For<IDreamRunStore>();
        runs.GetLastCompletedAsync(default!, default).ReturnsForAnyArgs(_ => HeldThenDisposedAsync<DreamRun?>());
        var logger = new FakeLogger<DreamScheduler>();
        using var scheduler = new DreamScheduler(
            [new DreamSchedule { Scope = MemoryScope.Agent("bot"), AfterNewSessions = 10 }],
            Substitute.For<IDreamConsolidator>(),
            runs,
            new InMemoryTraceStore(),
            _clock,
            logger);

        await StopWhileHeldThenReleaseAsync(scheduler);

        Assert.Null(await Record.ExceptionAsync(() => scheduler.ExecuteTask!.WaitAsync(Patience)));
        Assert.Empty(Problems(logger));
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Id.Id == 98 && r.Level == LogLevel.Debug);
    }

    [Fact]
    public async Task A_retention_run_that_meets_the_disposed_store_after_a_stop_ends_the_loop_quietly()
    {
        var traces = Substitute.For<ITraceStore>();
        traces.PurgeAsync(default, default).ReturnsForAnyArgs(_ => HeldThenDisposedAsync<int>());
        var logger = new FakeLogger<SessionRetention>();
        using var retention = new SessionRetention(new SessionRetentionOptions { MaxAge = TimeSpan.FromDays(30), KeepUnreadSessions = false }, traces, timeProvider: _clock, logger: logger);

        await StopWhileHeldThenReleaseAsync(retention);

        Assert.Null(await Record.ExceptionAsync(() => retention.ExecuteTask!.WaitAsync(Patience)));
        Assert.Empty(Problems(logger));
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Id.Id == 98 && r.Level == LogLevel.Debug);
    }

    [Fact]
    public async Task A_disposed_store_without_a_stop_is_still_a_failed_run()
    {
        var traces = Substitute.For<ITraceStore>();
        traces.PurgeAsync(default, default).ReturnsForAnyArgs(Task.FromException<int>(new ObjectDisposedException("store")));
        var logger = new FakeLogger<SessionRetention>();
        using var retention = new SessionRetention(new SessionRetentionOptions { MaxAge = TimeSpan.FromDays(30), KeepUnreadSessions = false }, traces, timeProvider: _clock, logger: logger);

        await retention.StartAsync(CancellationToken.None);
        using (var timeout = new CancellationTokenSource(Patience))
        {
            while (!logger.Collector.GetSnapshot().Any(r => r.Id.Id == 96))
            {
                await Task.Delay(5, timeout.Token);
            }
        }

        await retention.StopAsync(CancellationToken.None).WaitAsync(Patience);
        Assert.IsType<ObjectDisposedException>(logger.Collector.GetSnapshot().First(r => r.Id.Id == 96).Exception);
    }

    private static List<string> Problems(FakeLogger logger) =>
        [.. logger.Collector.GetSnapshot().Where(r => r.Level > LogLevel.Debug).Select(r => $"{r.Level}[{r.Id.Id}] {r.Message} {r.Exception}")];

    /// <summary>The host's stop with its <c>ShutdownTimeout</c> used up while the loop is held in the store: StopAsync returns
    /// at once, then the provider's disposal (the store throws <see cref="ObjectDisposedException"/> from now on) and the
    /// loop goes on.</summary>
    private async Task StopWhileHeldThenReleaseAsync(BackgroundService service)
    {
        await service.StartAsync(CancellationToken.None);
        await _held.Task.WaitAsync(Patience);
        await service.StopAsync(new CancellationToken(canceled: true)).WaitAsync(Patience);
        Assert.False(service.ExecuteTask!.IsCompleted);
        _released.SetResult();
    }

    /// <summary>A store call already running (it ignores the token, as a statement in progress does) that meets the store's
    /// disposal.</summary>
    private async Task<T> HeldThenDisposedAsync<T>()
    {
        _held.TrySetResult();
        await _released.Task;
        throw new ObjectDisposedException("store");
    }
}

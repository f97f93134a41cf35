using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

/// <summary>The trace writer drains when the host's service provider is disposed, after <c>IHost.StopAsync</c> has
/// returned: <see cref="HostOptions.ShutdownTimeout"/> (the stop token) does not bound that drain, so with a store that
/// never returns only <see cref="DreamingOptions.WriteDrainTimeout"/> ends it.</summary>
public sealed class WriteDrainHostShutdownTests
{
    [Fact]
    public async Task The_hosts_shutdown_timeout_does_not_bound_the_drain_a_store_that_never_returns_holds_the_disposal()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new HookedTraceStore
        {
            // Ignores its token, as a hung store would.
            BeforeWrite = async (_, _) =>
            {
                entered.TrySetResult();
                await release.Task;
            },
        };
        var host = Build(store, TimeSpan.FromMilliseconds(50), configure: null);
        try
        {
            await host.StartAsync().WaitAsync(Bounded.Patience);
            var session = host.Services.GetRequiredService<IAgentSessionFactory>().StartSession("bot", "shutdown");
            await session.RecordAsync(new NoteEvent { Text = "a" });
            await entered.Task.WaitAsync(Bounded.Patience);
            await session.RecordAsync(new NoteEvent { Text = "b" });

            // The stop itself does not wait for the store: nothing of the writer runs in a hosted service's StopAsync.
            await host.StopAsync().WaitAsync(Bounded.Patience);
            var disposing = ((IAsyncDisposable)host).DisposeAsync().AsTask();

            // Ten times the shutdown timeout later the disposal still waits for the store (only its release ends it).
            Assert.NotSame(disposing, await Task.WhenAny(disposing, Task.Delay(TimeSpan.FromMilliseconds(500))));
            release.SetResult();
            await disposing.WithinAsync("the host's disposal");
            Assert.Equal(["a", "b"], (await store.GetEventsAsync(session.Id)).Cast<NoteEvent>().Select(e => e.Text));
        }
        finally
        {
            release.TrySetResult();
            host.Dispose();
        }
    }

    [Fact]
    public async Task WriteDrainTimeout_bounds_the_hosts_disposal_with_a_store_that_never_returns_and_logs_what_was_not_written()
    {
        var clock = new FakeTimeProvider();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new HookedTraceStore
        {
            BeforeWrite = async (_, _) =>
            {
                entered.TrySetResult();
                await never.Task;
            },
        };
        var host = Build(store, TimeSpan.FromMilliseconds(50), services => services.AddSingleton<TimeProvider>(clock).AddFakeLogging(), o => o.WriteDrainTimeout = TimeSpan.FromSeconds(10));
        try
        {
            await host.StartAsync().WaitAsync(Bounded.Patience);
            var session = host.Services.GetRequiredService<IAgentSessionFactory>().StartSession("bot", "shutdown");
            await session.RecordAsync(new NoteEvent { Text = "a" });
            await entered.Task.WaitAsync(Bounded.Patience);
            await session.RecordAsync(new NoteEvent { Text = "b" });
            await host.StopAsync().WaitAsync(Bounded.Patience);
            var logs = host.Services.GetFakeLogCollector();

            var disposing = ((IAsyncDisposable)host).DisposeAsync().AsTask();
            clock.Advance(TimeSpan.FromSeconds(9));
            Assert.False(disposing.IsCompleted);
            clock.Advance(TimeSpan.FromSeconds(1));
            await disposing.WithinAsync("the host's disposal");

            var logged = Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 5);
            Assert.Equal(LogLevel.Error, logged.Level);
            Assert.Contains("2 events were not written", logged.Message, StringComparison.Ordinal);
        }
        finally
        {
            never.TrySetResult();
            host.Dispose();
        }
    }

    private static IHost Build(HookedTraceStore store, TimeSpan shutdownTimeout, Action<IServiceCollection>? configure, Action<DreamingOptions>? options = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout);
        builder.Services.AddSingleton<ITraceStore>(store);
        configure?.Invoke(builder.Services);
        builder.Services.AddDreamingAgents(o =>
        {
            o.AgentId = "bot";
            options?.Invoke(o);
        });
        return builder.Build();
    }
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using NSubstitute;

namespace Dreaming.Tests;

/// <summary>A dream canceled by a host's stop whose <c>ShutdownTimeout</c> was used up: the provider's disposal disposes a
/// store under the dream, whose next read throws <see cref="ObjectDisposedException"/>. That is the stop, not a failed
/// dream: no error is logged, and the run is canceled when its store still can be written (otherwise its lease expires
/// and the next dream of the scope ends it).</summary>
public sealed class DreamShutdownTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_store_disposed_under_a_canceled_dream_is_its_cancellation_not_a_failure(bool runStoreDisposedToo)
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var memory = Substitute.For<IMemoryStore>();
        memory.GetActiveVersionAsync(default!, default).ReturnsForAnyArgs(_ => HeldThenDisposedAsync());
        var inner = new InMemoryDreamRunStore();
        var wrapper = runStoreDisposedToo ? new DisposedAfterStart(inner) : null;
        var runs = wrapper?.Store ?? inner;
        var logger = new FakeLogger<DreamConsolidator>();
        var dreams = new DreamConsolidator(new InMemoryTraceStore(), memory, runs, logger: logger);
        using var stop = new CancellationTokenSource();

        var dreaming = dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") }, stop.Token);
        await held.Task.WaitAsync(Patience);
        await stop.CancelAsync();
        if (wrapper is not null)
        {
            wrapper.Disposed = true;
        }

        released.SetResult();

        if (runStoreDisposedToo)
        {
            var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dreaming.WaitAsync(Patience));
            Assert.IsType<ObjectDisposedException>(thrown.InnerException);
        }
        else
        {
            var run = await dreaming.WaitAsync(Patience);
            Assert.Equal(DreamRunStatus.Canceled, run.Status);
        }

        Assert.DoesNotContain(logger.Collector.GetSnapshot(), r => r.Level >= LogLevel.Warning);

        async Task<MemoryVersion?> HeldThenDisposedAsync()
        {
            held.TrySetResult();
            await released.Task;
            throw new ObjectDisposedException("store");
        }
    }

    [Fact]
    public async Task A_disposed_store_without_a_cancellation_is_still_a_failed_dream()
    {
        var memory = Substitute.For<IMemoryStore>();
        memory.GetActiveVersionAsync(default!, default).ReturnsForAnyArgs(Task.FromException<MemoryVersion?>(new ObjectDisposedException("store")));
        var logger = new FakeLogger<DreamConsolidator>();
        var dreams = new DreamConsolidator(new InMemoryTraceStore(), memory, new InMemoryDreamRunStore(), logger: logger);

        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") });

        Assert.Equal(DreamRunStatus.Failed, run.Status);
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Id.Id == 51 && r.Exception is ObjectDisposedException);
    }

    // A run store that forwards to an in-memory one until the test marks it disposed; then every call throws, as a store
    // the provider disposed.
    private sealed class DisposedAfterStart
    {
        public DisposedAfterStart(InMemoryDreamRunStore inner)
        {
            Store = Substitute.For<IDreamRunStore>();
            Store.CreateAsync(default!, default).ReturnsForAnyArgs(c => Call(() => inner.CreateAsync(c.Arg<DreamRunRequest>(), c.Arg<CancellationToken>())));
            Store.StartAsync(default!, default!, default, default).ReturnsForAnyArgs(c => Call(() => inner.StartAsync(c.ArgAt<string>(0), c.ArgAt<string>(1), c.Arg<TimeSpan>(), c.Arg<CancellationToken>())));
            Store.RenewLeaseAsync(default!, default!, default, default).ReturnsForAnyArgs(c => Call(() => inner.RenewLeaseAsync(c.ArgAt<string>(0), c.ArgAt<string>(1), c.Arg<TimeSpan>(), c.Arg<CancellationToken>())));
            Store.UpdateProgressAsync(default!, default!, default).ReturnsForAnyArgs(c => Call(() => inner.UpdateProgressAsync(c.Arg<string>(), c.Arg<DreamRunResults>(), c.Arg<CancellationToken>())));
            Store.CancelAsync(default!, default).ReturnsForAnyArgs(c => Call(() => inner.CancelAsync(c.Arg<string>(), c.Arg<CancellationToken>())));
            Store.FailAsync(default!, default!, default, default).ReturnsForAnyArgs(c => Call(() => inner.FailAsync(c.ArgAt<string>(0), c.ArgAt<string>(1), c.Arg<DreamRunResults?>(), c.Arg<CancellationToken>())));
            Store.CompleteAsync(default!, default!, default).ReturnsForAnyArgs(c => Call(() => inner.CompleteAsync(c.Arg<string>(), c.Arg<DreamRunResults>(), c.Arg<CancellationToken>())));
            Store.GetAsync(default!, default).ReturnsForAnyArgs(c => Call(() => inner.GetAsync(c.Arg<string>(), c.Arg<CancellationToken>())));
        }

        public IDreamRunStore Store { get; }

        public bool Disposed { get; set; }

        private Task<T> Call<T>(Func<Task<T>> call) => Disposed ? Task.FromException<T>(new ObjectDisposedException("runs")) : call();
    }
}

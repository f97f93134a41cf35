using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static Dreaming.AgentView.Tests.TestSessions;

namespace Dreaming.AgentView.Tests;

/// <summary>The sessions pages pass the request's cancellation to the store: a client that goes away stops the read.</summary>
public sealed class SessionPagesCancellationTests
{
    [Theory]
    [InlineData("/dreaming/sessions")]
    [InlineData("/dreaming/sessions/s")]
    public async Task A_client_that_goes_away_cancels_the_stores_read(string path)
    {
        var store = new WaitingStore();
        await using var host = await AgentViewHost.StartAsync(services: services => services.Replace(ServiceDescriptor.Singleton<ITraceStore>(store)));
        await store.Inner.SeedAsync(Session("s", SessionStatus.Failed));
        store.Wait = true;
        using var client = host.Client();
        using var cancel = new CancellationTokenSource();

        var request = client.GetAsync(new Uri(path, UriKind.Relative), cancel.Token);
        var token = await store.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        await store.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(token.IsCancellationRequested);
    }

    /// <summary>The in-memory store, whose session reads wait (up to 10 s) for their token once <see cref="Wait"/> is set.</summary>
    private sealed class WaitingStore() : ForwardingTraceStore(new InMemoryTraceStore())
    {
        public new InMemoryTraceStore Inner => (InMemoryTraceStore)base.Inner;

        public bool Wait { get; set; }

        public TaskCompletionSource<CancellationToken> Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default)
        {
            await WaitAsync(cancellationToken);
            return await Inner.GetSessionAsync(sessionId, cancellationToken);
        }

        public override async Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default)
        {
            await WaitAsync(cancellationToken);
            return await Inner.QuerySessionsAsync(query, cancellationToken);
        }

        private async Task WaitAsync(CancellationToken cancellationToken)
        {
            if (!Wait)
            {
                return;
            }

            Entered.TrySetResult(cancellationToken);
            try
            {
                // Bounded, so a page that ignores the token fails this test instead of hanging its host's shutdown.
                await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled.TrySetResult();
                throw;
            }
        }
    }
}

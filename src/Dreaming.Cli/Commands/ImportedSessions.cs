using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Cli.Commands;

/// <summary>The id, agent and scope of the sessions <c>dreaming import</c> hands the store, as the import gives them, so
/// that the sessions the store already held (and kept as they were) can be read back and compared: those of each store
/// call (one a file) that left some as they were; a call that imported all it was given is not noted.</summary>
/// <remarks>Not thread-safe: one import command fills it, one file at a time, and reads it after.</remarks>
internal sealed class ImportedSessions
{
    private readonly List<(string Id, string AgentId, string? Scope)> _sessions = [];

    /// <summary>Gets the sessions handed to the store by the calls that did not import them all, in order.</summary>
    public IReadOnlyList<(string Id, string AgentId, string? Scope)> Sessions => _sessions;

    /// <summary>Wraps the collection's <see cref="ITraceStore"/> so that what its imports are given is noted here.</summary>
    public void Capture(IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(ITraceStore) && !d.IsKeyedService)
            ?? throw new InvalidOperationException("No ITraceStore is registered.");
        services.Remove(registered);
        services.AddSingleton<ITraceStore>(sp => new CapturingStore(Create(registered, sp), this));
    }

    /// <summary>Counts the sessions whose stored agent (when <paramref name="agentId"/> is given) or scope (when
    /// <paramref name="scope"/> is given) differs from what the import gave them: those the store already held.</summary>
    public async Task<int> CountDifferingAsync(ITraceStore store, string? agentId, string? scope, CancellationToken cancellationToken)
    {
        var differing = 0;
        foreach (var (id, importedAgent, importedScope) in _sessions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await store.GetSessionAsync(id, cancellationToken).ConfigureAwait(false) is { } stored
                && ((agentId is not null && !string.Equals(stored.AgentId, importedAgent, StringComparison.Ordinal))
                    || (scope is not null && !string.Equals(stored.Scope, importedScope, StringComparison.Ordinal))))
            {
                differing++;
            }
        }

        return differing;
    }

    private static ITraceStore Create(ServiceDescriptor registered, IServiceProvider services) => (ITraceStore)(
        registered.ImplementationInstance
        ?? registered.ImplementationFactory?.Invoke(services)
        ?? ActivatorUtilities.CreateInstance(services, registered.ImplementationType!));

    // Forwards everything to the store, noting the sessions of each import call that left some as they were; disposes the
    // store with itself, as the container would have disposed it.
    private sealed class CapturingStore(ITraceStore inner, ImportedSessions imported) : ForwardingTraceStore(inner), IAsyncDisposable
    {
        // A call that imported every session it was given (a new file) left nothing as it was: it is not noted, so its
        // sessions are neither held after it nor read back.
        public override async Task<int> ImportAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default)
        {
            var count = await Inner.ImportAsync(sessions, cancellationToken).ConfigureAwait(false);
            if (count < sessions.Count)
            {
                foreach (var session in sessions)
                {
                    imported._sessions.Add((session.Session.Id, session.Session.AgentId, session.Session.Scope));
                }
            }

            return count;
        }

        public async ValueTask DisposeAsync()
        {
            switch (Inner)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dreaming.Tests;

/// <summary>A host's own <see cref="IAgentSessionFactory"/> that decorates another (the registered one, typically): its
/// sessions are not the library's type, but record through the wrapped session, so through the library's trace writer.</summary>
internal sealed class DecoratingSessionFactory(IAgentSessionFactory inner) : IAgentSessionFactory
{
    public IAgentSession StartSession(AgentSessionOptions options) => new ForwardingSession(inner.StartSession(options));

    /// <summary>Replaces the registered factory by one that decorates it, as Scrutor's <c>Decorate</c> would.</summary>
    public static void Decorate(IServiceCollection services)
    {
        var registered = services.Last(d => d.ServiceType == typeof(IAgentSessionFactory));
        services.Replace(ServiceDescriptor.Singleton<IAgentSessionFactory>(sp =>
            new DecoratingSessionFactory((IAgentSessionFactory)ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!))));
    }
}

/// <summary>A session of a host's own type that forwards everything to another session; derive to change one member.</summary>
internal class ForwardingSession(IAgentSession inner) : IAgentSession
{
    public string Id => inner.Id;

    public string AgentId => inner.AgentId;

    public string Task => inner.Task;

    public string? ParentSessionId => inner.ParentSessionId;

    public DateTimeOffset StartedAt => inner.StartedAt;

    public SessionStatus Status => inner.Status;

    public SessionUsage Usage => inner.Usage;

    public long DroppedEventCount => inner.DroppedEventCount;

    public virtual ValueTask RecordAsync(SessionEvent sessionEvent, CancellationToken cancellationToken = default) => inner.RecordAsync(sessionEvent, cancellationToken);

    public Task CompleteAsync(SessionStatus status = SessionStatus.Completed, SessionOutcome? outcome = null, CancellationToken cancellationToken = default) =>
        inner.CompleteAsync(status, outcome, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

/// <summary>A host's own <see cref="IAgentSessionFactory"/> whose sessions keep their events in a list: nothing of the
/// library's recording path (writer, filter, span) is involved.</summary>
internal sealed class ListSessionFactory : IAgentSessionFactory
{
    private int _count;

    public List<SessionEvent> Recorded { get; } = [];

    public IAgentSession StartSession(AgentSessionOptions options) =>
        new ListSession(this, "list_" + Interlocked.Increment(ref _count), options);

    private sealed class ListSession(ListSessionFactory owner, string id, AgentSessionOptions options) : IAgentSession
    {
        private SessionStatus _status = SessionStatus.Running;

        public string Id { get; } = id;

        public string AgentId { get; } = options.AgentId;

        public string Task { get; } = options.Task;

        public string? ParentSessionId { get; } = options.ParentSessionId;

        public DateTimeOffset StartedAt { get; } = DateTimeOffset.UnixEpoch;

        public SessionStatus Status => _status;

        public SessionUsage Usage => SessionUsage.Zero;

        public long DroppedEventCount => 0;

        public ValueTask RecordAsync(SessionEvent sessionEvent, CancellationToken cancellationToken = default)
        {
            lock (owner.Recorded)
            {
                owner.Recorded.Add(sessionEvent with { SessionId = Id });
            }

            return ValueTask.CompletedTask;
        }

        public Task CompleteAsync(SessionStatus status = SessionStatus.Completed, SessionOutcome? outcome = null, CancellationToken cancellationToken = default)
        {
            _status = status;
            return System.Threading.Tasks.Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

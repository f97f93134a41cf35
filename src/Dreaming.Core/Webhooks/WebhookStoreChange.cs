using System.ComponentModel;

namespace Dreaming;

/// <summary>For trace, memory and dream run stores that write their webhook outbox rows in the transaction of the change
/// (<see cref="ISessionWebhookWriter"/>, <see cref="IMemoryWebhookWriter"/>, <see cref="IDreamRunWebhookWriter"/>): tells the
/// announcing session or wrapper <c>AddWebhooks</c> put around the store that the current change is announced already, even when a decorator of the host's (logging,
/// caching) stands between the two and hides the store's interfaces from the wrapper.</summary>
/// <remarks>
/// <para>Call it at the start of each call that writes the change's rows (a trace store's <c>CompleteSessionAsync</c>, with
/// <see cref="SessionEndWrittenBy"/>; a memory store's <c>ProposeAsync</c>,
/// <c>EditAsync</c>, <c>ApproveAsync</c>, <c>RollbackAsync</c>, <c>RejectAsync</c>; a dream run store's <c>StartAsync</c>,
/// <c>CompleteAsync</c>, <c>FailAsync</c>, <c>CancelAsync</c>, <c>RecoverAbandonedAsync</c>), on the caller's flow (before the
/// first <see langword="await"/> that yields, or anywhere in the call's own <see langword="async"/> method). The signal is
/// flow-local, like <see cref="System.Diagnostics.Activity.Current"/>: it reaches the wrapper through any decorator that
/// forwards the call, and it is ignored when no session or wrapper is calling, or when the store's <c>WritesSessionWebhooks</c>,
/// <c>WritesMemoryWebhooks</c> or <c>WritesDreamRunWebhooks</c> is <see langword="false"/>. A session end only speaks for the
/// session, a memory change only for the memory wrapper and a dream run change only for the dream run wrapper, so a memory store that ends a dream run does not silence its own announcement.
/// The SQLite stores call it; other stores need it only if they write the rows themselves.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class WebhookStoreChange
{
    /// <summary>Marks the current memory change as announced by <paramref name="store"/>, which writes its rows in its own
    /// transaction, when <see cref="IMemoryWebhookWriter.WritesMemoryWebhooks"/> is <see langword="true"/>.</summary>
    /// <param name="store">The memory store serving the call.</param>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is <see langword="null"/>.</exception>
    public static void WrittenBy(IMemoryWebhookWriter store)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store.WritesMemoryWebhooks)
        {
            WebhookStoreNesting.AnnouncedByStore(typeof(WebhookMemoryStore));
        }
    }

    /// <summary>Marks the current session end as announced by <paramref name="store"/>, which writes the session's
    /// <c>session.completed</c> / <c>session.failed</c> rows in the transaction that ends it, when
    /// <see cref="ISessionWebhookWriter.WritesSessionWebhooks"/> is <see langword="true"/>. Call it at the start of
    /// <see cref="ITraceStore.CompleteSessionAsync"/>, on the caller's flow: a session whose factory saw only a host's
    /// decorator around the store then does not publish the end a second time.</summary>
    /// <param name="store">The trace store serving the call.</param>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is <see langword="null"/>.</exception>
    /// <remarks>Named apart from the <c>WrittenBy</c> overloads so that a store implementing several of the writer
    /// interfaces still compiles its <c>WrittenBy(this)</c> calls.</remarks>
    public static void SessionEndWrittenBy(ISessionWebhookWriter store)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store.WritesSessionWebhooks)
        {
            WebhookStoreNesting.AnnouncedByStore(typeof(AgentSession));
        }
    }

    /// <summary>Marks the current dream run change as announced by <paramref name="store"/>, which writes its rows in its own
    /// transaction, when <see cref="IDreamRunWebhookWriter.WritesDreamRunWebhooks"/> is <see langword="true"/>.</summary>
    /// <param name="store">The dream run store serving the call.</param>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is <see langword="null"/>.</exception>
    public static void WrittenBy(IDreamRunWebhookWriter store)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store.WritesDreamRunWebhooks)
        {
            WebhookStoreNesting.AnnouncedByStore(typeof(WebhookDreamRunStore));
        }
    }
}

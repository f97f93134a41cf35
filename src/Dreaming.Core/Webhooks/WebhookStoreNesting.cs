namespace Dreaming;

/// <summary>One change made through an announcing store wrapper (<see cref="WebhookMemoryStore"/>,
/// <see cref="WebhookDreamRunStore"/>), so that of two wrappers of one publisher around the same store only the inner one
/// announces it.</summary>
/// <remarks>A store can be wrapped twice: <c>AddWebhooks</c> wraps it, the host puts its own decorator (logging, caching)
/// around that, and a later <c>AddWebhookEndpoint</c> wraps the decorator, whose store it cannot see into. Without this every
/// change would be announced by both wrappers and delivered twice. The inner wrapper is the one that announces, because it is
/// the one that knows whether the store writes the rows in its own transaction. A store that does, behind a decorator of the
/// host's that hides it from the wrapper, says so through <see cref="WebhookStoreChange"/> (<see cref="AnnouncedByStore"/>).</remarks>
internal sealed class WebhookStoreNesting
{
    private static readonly AsyncLocal<WebhookStoreNesting?> s_current = new();

    private readonly IWebhookPublisher _publisher;

    private readonly Type _wrapper;

    private readonly string _operation;

    private readonly object? _target;

    private WebhookStoreNesting(IWebhookPublisher publisher, Type wrapper, string operation, object? target)
    {
        _publisher = publisher;
        _wrapper = wrapper;
        _operation = operation;
        _target = target;
    }

    /// <summary>Gets a value indicating whether a wrapper further in, of the same publisher, or the store itself (writing the
    /// rows in its own transaction) took the change over.</summary>
    public bool AnnouncedInside { get; private set; }

    /// <summary>Starts a change through a wrapper of <paramref name="publisher"/>, before the wrapper calls its store: an
    /// outer wrapper's change that this one forwards (same publisher, kind, operation and target) is marked as announced
    /// here. Another change made while the outer one is in progress (a memory change that makes a dream run store change,
    /// or a proposal whose store rejects an older version through the application's store) is not the outer one, and leaves
    /// it to announce itself. Call it in an <see langword="async"/> method, which keeps the mark from its caller.</summary>
    /// <param name="publisher">The wrapper's publisher.</param>
    /// <param name="wrapper">The wrapper's type.</param>
    /// <param name="operation">The store method called.</param>
    /// <param name="target">What it changes: the version or run id, or a proposal's scope (a decorator may rewrite the proposal
    /// itself); compared with <see cref="object.Equals(object, object)"/>.</param>
    /// <returns>The change, whose <see cref="AnnouncedInside"/> says, once the store returned, whether to announce it.</returns>
    public static WebhookStoreNesting Enter(IWebhookPublisher publisher, Type wrapper, string operation, object? target)
    {
        if (s_current.Value is { } outer && ReferenceEquals(outer._publisher, publisher) && outer._wrapper == wrapper
            && outer._operation == operation && Equals(outer._target, target))
        {
            outer.AnnouncedInside = true;
        }

        var change = new WebhookStoreNesting(publisher, wrapper, operation, target);
        s_current.Value = change;
        return change;
    }

    /// <summary>Marks the current change of a wrapper of type <paramref name="wrapper"/> as announced by its store, which
    /// wrote the rows in the change's transaction; nothing when no such wrapper is calling.</summary>
    /// <param name="wrapper">The type of wrapper the store's change belongs to.</param>
    public static void AnnouncedByStore(Type wrapper)
    {
        if (s_current.Value is { } current && current._wrapper == wrapper)
        {
            current.AnnouncedInside = true;
        }
    }
}

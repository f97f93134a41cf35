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

    private WebhookStoreNesting(IWebhookPublisher publisher, Type wrapper)
    {
        _publisher = publisher;
        _wrapper = wrapper;
    }

    /// <summary>Gets a value indicating whether a wrapper further in, of the same publisher, or the store itself (writing the
    /// rows in its own transaction) took the change over.</summary>
    public bool AnnouncedInside { get; private set; }

    /// <summary>Starts a change through a wrapper of <paramref name="publisher"/>, before the wrapper calls its store: an
    /// outer wrapper's change of the same kind and publisher is marked as announced here (a memory change that makes a dream
    /// run store change is not). Call it in an <see langword="async"/> method, which keeps the mark from its caller.</summary>
    /// <param name="publisher">The wrapper's publisher.</param>
    /// <param name="wrapper">The wrapper's type.</param>
    /// <returns>The change, whose <see cref="AnnouncedInside"/> says, once the store returned, whether to announce it.</returns>
    public static WebhookStoreNesting Enter(IWebhookPublisher publisher, Type wrapper)
    {
        if (s_current.Value is { } outer && ReferenceEquals(outer._publisher, publisher) && outer._wrapper == wrapper)
        {
            outer.AnnouncedInside = true;
        }

        var change = new WebhookStoreNesting(publisher, wrapper);
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

namespace Dreaming;

/// <summary>Marks the library's own model calls (the grader's, the reflector's) so that <see cref="DreamingChatClient"/>
/// passes them to its inner client untouched: nothing recorded, no memory injected, no one-call session started.</summary>
/// <remarks>
/// <para>The mark is ambient (an <see cref="AsyncLocal{T}"/>) rather than a <c>ChatOptions</c> property, which a provider
/// may send to the model. It flows into everything the call starts and is gone once the scope is disposed; calls made
/// meanwhile in other flows (the agent's own) are not affected.</para>
/// <para>A process-wide count of the open scopes keeps the middleware's common path to one volatile read: the
/// <see cref="AsyncLocal{T}"/> is read only while some library call is in flight.</para>
/// </remarks>
internal static class LibraryModelCall
{
    private static readonly AsyncLocal<bool> s_inside = new();
    private static int s_open;

    /// <summary>Gets whether the current flow is inside a library model call.</summary>
    public static bool IsActive => Volatile.Read(ref s_open) != 0 && s_inside.Value;

    /// <summary>Marks the calls made in the current flow until the returned scope is disposed.</summary>
    /// <returns>The scope; dispose it (once) when the call has returned.</returns>
    public static Scope Enter()
    {
        Interlocked.Increment(ref s_open);
        var previous = s_inside.Value;
        s_inside.Value = true;
        return new Scope(previous);
    }

    /// <summary>An open library model call.</summary>
    public sealed class Scope : IDisposable
    {
        private readonly bool _previous;
        private int _disposed;

        internal Scope(bool previous)
        {
            _previous = previous;
        }

        /// <inheritdoc />
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                s_inside.Value = _previous;
                Interlocked.Decrement(ref s_open);
            }
        }
    }
}

namespace Dreaming;

/// <summary>Marks the library's own model calls (the grader's, the reflector's) so that <see cref="DreamingChatClient"/>
/// passes them to its inner client untouched: nothing recorded, no memory injected, no one-call session started.</summary>
/// <remarks>
/// <para>The mark is ambient (an <see cref="AsyncLocal{T}"/>) rather than a <c>ChatOptions</c> property, which a provider
/// may send to the model. It flows into everything the call starts and is gone once the scope is disposed, in every flow
/// that scope reached; calls made meanwhile in other flows (the agent's own) are not affected.</para>
/// <para>A process-wide count of the open scopes keeps the middleware's common path to one volatile read: the
/// <see cref="AsyncLocal{T}"/> is read only while some library call is in flight. Whether a flow is marked depends on its
/// own scopes only, never on what else is in flight.</para>
/// </remarks>
internal static class LibraryModelCall
{
    private static readonly AsyncLocal<Scope?> s_current = new();
    private static int s_open;

    /// <summary>Gets whether the current flow is inside a library model call whose scope is still open.</summary>
    public static bool IsActive => Volatile.Read(ref s_open) != 0 && IsOpen(s_current.Value);

    /// <summary>Marks the calls made in the current flow until the returned scope is disposed.</summary>
    /// <returns>The scope; dispose it (once) when the call has returned.</returns>
    public static Scope Enter()
    {
        Interlocked.Increment(ref s_open);
        var scope = new Scope(s_current.Value);
        s_current.Value = scope;
        return scope;
    }

    /// <summary>Starts a call marked until its task has ended, even when the caller stops waiting for it earlier (a
    /// timeout on a client that ignores its token): what the call still does then is still the library's.</summary>
    /// <param name="start">Starts the call.</param>
    /// <param name="state">The state passed to <paramref name="start"/>.</param>
    /// <returns>The call's task.</returns>
    public static Task<TResult> Run<TResult, TState>(Func<TState, Task<TResult>> start, TState state)
    {
        var scope = Enter();
        Task<TResult> task;
        try
        {
            task = start(state);
        }
        catch
        {
            scope.Dispose();
            throw;
        }
        finally
        {
            // The call took the mark with it; the caller's flow leaves it now.
            s_current.Value = scope.Previous;
        }

        if (task.IsCompleted)
        {
            scope.Dispose();
        }
        else
        {
            task.ContinueWith(static (_, s) => ((Scope)s!).Dispose(), scope, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return task;
    }

    private static bool IsOpen(Scope? scope)
    {
        for (; scope is not null; scope = scope.Previous)
        {
            if (scope.IsOpen)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An open library model call.</summary>
    public sealed class Scope : IDisposable
    {
        private int _disposed;

        internal Scope(Scope? previous)
        {
            Previous = previous;
        }

        internal Scope? Previous { get; }

        internal bool IsOpen => Volatile.Read(ref _disposed) == 0;

        /// <inheritdoc />
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                // Closed for every flow it reached (a flow it forked no longer counts as marked), and left in this one.
                if (ReferenceEquals(s_current.Value, this))
                {
                    s_current.Value = Previous;
                }

                Interlocked.Decrement(ref s_open);
            }
        }
    }
}

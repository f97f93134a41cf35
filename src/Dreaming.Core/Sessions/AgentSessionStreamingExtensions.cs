using System.Runtime.CompilerServices;

namespace Dreaming;

/// <summary>Streams produced in a session of their own, such as an answer a web endpoint streams to the browser.</summary>
public static class AgentSessionStreamingExtensions
{
    /// <summary>Starts a session when the returned stream is first read and produces <paramref name="stream"/>'s items in
    /// it, with the session ambient in every step, also after an item has been yielded.</summary>
    /// <typeparam name="T">The type of the items.</typeparam>
    /// <param name="factory">The session factory.</param>
    /// <param name="options">What the session is started with.</param>
    /// <param name="stream">Makes the stream from the running session and the token to honour (this method's token
    /// linked with the one the stream is enumerated with): typically an <c>async</c> iterator that calls a chat client
    /// with <c>UseDreaming()</c> and yields what it streams.</param>
    /// <param name="cancellationToken">Cancels the stream (an ASP.NET Core endpoint's <c>RequestAborted</c>).</param>
    /// <returns>The stream, lazy: nothing starts before it is read, and each enumeration starts a session of its own.</returns>
    /// <remarks>
    /// <para>A session started inside an <c>async</c> iterator is ambient only until its first <c>yield return</c>: each
    /// later step of an iterator runs in its consumer's execution context (ASP.NET Core's server-sent events result,
    /// or the JSON writer of an <c>IAsyncEnumerable</c> an endpoint returns), where the session is not. The chat calls
    /// made after that become one-call sessions, or are not recorded (<c>UnscopedCalls = Ignore</c>). This method
    /// moves <paramref name="stream"/> on in the execution context captured when the session started, so every call,
    /// tool and span of every step belongs to the session.</para>
    /// <para>The stream may complete the session itself (<see cref="IAgentSession.CompleteAsync"/>, with its outcome).
    /// Otherwise it is completed <see cref="SessionStatus.Completed"/> when the stream ends (also when the token is
    /// cancelled after its last item: the completion is not given the token, as the work is done), and
    /// <see cref="SessionStatus.Failed"/> when the stream throws (the exception is rethrown). A stream that is cancelled,
    /// or whose consumer stops reading before its end (a browser that went away), leaves the session to its disposal,
    /// which records it <see cref="SessionStatus.Abandoned"/>. The session is disposed when the stream ends either way.</para>
    /// <para>Each step costs one <see cref="ExecutionContext.Run(ExecutionContext, ContextCallback, object?)"/> and no
    /// allocation of its own.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="factory"/>, <paramref name="options"/> or
    /// <paramref name="stream"/> is <see langword="null"/>.</exception>
    public static IAsyncEnumerable<T> StreamInSessionAsync<T>(this IAgentSessionFactory factory, AgentSessionOptions options, Func<IAgentSession, CancellationToken, IAsyncEnumerable<T>> stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(stream);
        return StreamAsync(factory, options, stream, cancellationToken);
    }

    private static async IAsyncEnumerable<T> StreamAsync<T>(IAgentSessionFactory factory, AgentSessionOptions options, Func<IAgentSession, CancellationToken, IAsyncEnumerable<T>> stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var session = factory.StartSession(options);
        var steps = new Steps<T>(ExecutionContext.Capture());
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await steps.MoveNextAsync(stream, session, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    try
                    {
                        await steps.DisposeAsync().ConfigureAwait(false);
                    }
                    finally
                    {
                        await EndFailedAsync(session).ConfigureAwait(false);
                    }

                    throw;
                }

                if (!more)
                {
                    break;
                }

                yield return steps.Current;
            }

            await steps.DisposeAsync().ConfigureAwait(false);
            if (session.Status == SessionStatus.Running)
            {
                // Without the token: the stream has ended, so a consumer that goes away now (the token cancelled after the
                // last item was sent) does not make a finished answer abandoned. Completing takes only the store's write.
                await session.CompleteAsync(SessionStatus.Completed, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            // Cancelled, or disposed before its end (the consumer stopped reading): the stream did not finish, and the
            // session's disposal records it abandoned, also when the stream's own disposal throws.
            try
            {
                await steps.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Ends the session of a stream that threw as failed; the stream's exception, not one of ending it (a store
    /// that is unavailable: the session's disposal tries again and logs it), is what the consumer gets.</summary>
    private static async Task EndFailedAsync(IAgentSession session)
    {
        if (session.Status != SessionStatus.Running)
        {
            return;
        }

        try
        {
            await session.CompleteAsync(SessionStatus.Failed, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The stream's exception is rethrown by the caller.
        }
    }

    /// <summary>The stream's enumerator, created, moved on and disposed in the session's execution context. One instance
    /// per enumeration, reused for every step.</summary>
    private sealed class Steps<T>(ExecutionContext? flow)
    {
        private static readonly ContextCallback s_start = static state => ((Steps<T>)state!).StartInFlow();
        private static readonly ContextCallback s_move = static state => ((Steps<T>)state!).MoveInFlow();
        private static readonly ContextCallback s_dispose = static state => ((Steps<T>)state!).DisposeInFlow();

        private IAsyncEnumerator<T>? _enumerator;
        private Func<IAgentSession, CancellationToken, IAsyncEnumerable<T>>? _stream;
        private IAgentSession? _session;
        private CancellationToken _token;
        private ValueTask<bool> _moved;
        private ValueTask _disposed;
        private bool _done;

        public T Current => _enumerator!.Current;

        public ValueTask<bool> MoveNextAsync(Func<IAgentSession, CancellationToken, IAsyncEnumerable<T>> stream, IAgentSession session, CancellationToken token)
        {
            if (_enumerator is null)
            {
                (_stream, _session, _token) = (stream, session, token);
                Run(s_start);
            }

            Run(s_move);
            return _moved;
        }

        public ValueTask DisposeAsync()
        {
            if (_done || _enumerator is null)
            {
                return ValueTask.CompletedTask;
            }

            _done = true;
            Run(s_dispose);
            return _disposed;
        }

        private void Run(ContextCallback step)
        {
            if (flow is null)
            {
                step(this);
            }
            else
            {
                ExecutionContext.Run(flow, step, this);
            }
        }

        private void StartInFlow()
        {
            _enumerator = _stream!(_session!, _token).GetAsyncEnumerator(_token);
            (_stream, _session) = (null, null);
        }

        // Kept only to be returned by the step that started it, and so consumed once, by the awaiting caller.
#pragma warning disable CA2012
        private void MoveInFlow() => _moved = _enumerator!.MoveNextAsync();

        private void DisposeInFlow() => _disposed = _enumerator!.DisposeAsync();
#pragma warning restore CA2012
    }
}

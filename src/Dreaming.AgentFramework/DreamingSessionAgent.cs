using System.Runtime.CompilerServices;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace Dreaming.AgentFramework;

/// <summary>The agent <c>UseDreamingSessions()</c> puts in an Agent Framework pipeline: each run (<c>RunAsync</c> or
/// <c>RunStreamingAsync</c>) outside an ambient Dreaming session is one session of its own, ended completed, failed or
/// abandoned; a run inside one is passed through, and recorded there.</summary>
/// <remarks>Safe for concurrent runs: its state is read-only once built, and each run has its own session, ambient only in
/// that run's flow.</remarks>
internal sealed class DreamingSessionAgent : DelegatingAIAgent
{
    private readonly IAgentSessionFactory _sessions;
    private readonly IAgentSessionAccessor _current;
    private readonly string _agentId;
    private readonly string? _scope;
    private readonly Func<IEnumerable<ChatMessage>, string?> _taskSelector;

    public DreamingSessionAgent(AIAgent innerAgent, IAgentSessionFactory sessions, IAgentSessionAccessor current, string agentId, string? scope, Func<IEnumerable<ChatMessage>, string?> taskSelector)
        : base(innerAgent)
    {
        _sessions = sessions;
        _current = current;
        _agentId = agentId;
        _scope = scope;
        _taskSelector = taskSelector;
    }

    /// <inheritdoc />
    protected override async Task<AgentResponse> RunCoreAsync(IEnumerable<ChatMessage> messages, AgentSession? session = null, AgentRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (_current.Current is not null)
        {
            // Already recorded: an orchestration item's session, or one the host started.
            return await InnerAgent.RunAsync(messages, session, options, cancellationToken).ConfigureAwait(false);
        }

        var dreaming = Start(messages);
        await using (dreaming.ConfigureAwait(false))
        {
            AgentResponse response;
            try
            {
                response = await InnerAgent.RunAsync(messages, session, options, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                await EndFailedAsync(dreaming).ConfigureAwait(false);
                throw;
            }

            // Cancelled here, the session stays running and its disposal records it abandoned.
            await dreaming.CompleteAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return response;
        }
    }

    /// <inheritdoc />
    protected override IAsyncEnumerable<AgentResponseUpdate> RunCoreStreamingAsync(IEnumerable<ChatMessage> messages, AgentSession? session = null, AgentRunOptions? options = null, CancellationToken cancellationToken = default) =>
        RunSessionStreamingAsync(messages, session, options, cancellationToken);

    private async IAsyncEnumerable<AgentResponseUpdate> RunSessionStreamingAsync(IEnumerable<ChatMessage> messages, AgentSession? session, AgentRunOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (_current.Current is not null)
        {
            await foreach (var update in InnerAgent.RunStreamingAsync(messages, session, options, cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }

            yield break;
        }

        var dreaming = Start(messages);

        // The session is ambient in this flow only until the first update is yielded: an async iterator's every
        // MoveNextAsync runs in its consumer's execution context. The inner stream is therefore moved on in the context
        // captured here, with the session ambient, so every model call of the run is recorded in it.
        var flow = ExecutionContext.Capture();
        IAsyncEnumerator<AgentResponseUpdate>? updates = null;
        try
        {
            updates = InnerAgent.RunStreamingAsync(messages, session, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                bool more;
                try
                {
                    more = await InFlow(flow, updates, static u => u.MoveNextAsync()).ConfigureAwait(false);
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    var failed = updates;
                    updates = null;
                    try
                    {
                        await InFlow(flow, failed, static u => new ValueTask<bool>(DisposeAsync(u))).ConfigureAwait(false);
                    }
                    finally
                    {
                        await EndFailedAsync(dreaming).ConfigureAwait(false);
                    }

                    throw;
                }

                if (!more)
                {
                    break;
                }

                yield return updates.Current;
            }

            var done = updates;
            updates = null;
            await InFlow(flow, done, static u => new ValueTask<bool>(DisposeAsync(u))).ConfigureAwait(false);

            // Cancelled here, the session stays running and its disposal records it abandoned.
            await dreaming.CompleteAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Cancelled, or disposed before its end (the consumer stopped reading): the run did not finish, and the
            // session's disposal records it abandoned, also when the inner stream's own disposal throws.
            try
            {
                if (updates is not null)
                {
                    await InFlow(flow, updates, static u => new ValueTask<bool>(DisposeAsync(u))).ConfigureAwait(false);
                }
            }
            finally
            {
                await dreaming.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private IAgentSession Start(IEnumerable<ChatMessage> messages)
    {
        var task = _taskSelector(messages);
        return _sessions.StartSession(new AgentSessionOptions
        {
            AgentId = _agentId,
            Task = string.IsNullOrWhiteSpace(task) ? DreamingAgentSessionOptions.NoUserMessageTask : task,
            Scope = _scope,
        });
    }

    /// <summary>Ends the session of a run that threw as failed. A session the store could not create (or that has
    /// already ended) cannot be: that was logged when it happened. A store that fails to end it (unavailable) leaves it
    /// running, and the session's disposal tries again (abandoned) and logs the store's failure. Either way the run's own
    /// exception, not this one, is what its caller gets.</summary>
    private static async Task EndFailedAsync(IAgentSession session)
    {
        try
        {
            await session.CompleteAsync(SessionStatus.Failed, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The run's exception is rethrown by the caller.
        }
    }

    private static async Task<bool> DisposeAsync(IAsyncEnumerator<AgentResponseUpdate> updates)
    {
        await updates.DisposeAsync().ConfigureAwait(false);
        return true;
    }

    /// <summary>Starts <paramref name="step"/> in <paramref name="flow"/> (the run's, with its session ambient), so its
    /// awaits go on in that flow too.</summary>
    private static Task<bool> InFlow(ExecutionContext? flow, IAsyncEnumerator<AgentResponseUpdate> updates, Func<IAsyncEnumerator<AgentResponseUpdate>, ValueTask<bool>> step)
    {
        if (flow is null)
        {
            return step(updates).AsTask();
        }

        var state = new StepState(updates, step);
        ExecutionContext.Run(flow, static s => ((StepState)s!).Run(), state);
        return state.Result;
    }

    private sealed class StepState(IAsyncEnumerator<AgentResponseUpdate> updates, Func<IAsyncEnumerator<AgentResponseUpdate>, ValueTask<bool>> step)
    {
        public Task<bool> Result { get; private set; } = Task.FromResult(false);

        public void Run() => Result = step(updates).AsTask();
    }
}

using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Dreaming;

// A streamed call: the updates passed on as they come, and what the consumer received recorded when the stream ends,
// fails or is left early.
public sealed partial class DreamingChatClient
{
    /// <inheritdoc />
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        // The library's own calls (grader, reflector) pass through untouched, decided when the call is made. Null
        // messages take the usual path, which refuses them when enumerated, as before.
        LibraryModelCall.IsActive && messages is not null
            ? base.GetStreamingResponseAsync(messages, options, cancellationToken)
            : GetStreamingResponseRecordedAsync(messages, options, cancellationToken);

    private async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseRecordedAsync(IEnumerable<ChatMessage>? messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var (session, owned) = ResolveSession(list);
        if (session is null)
        {
            await foreach (var update in base.GetStreamingResponseAsync(list, options, cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }

            yield break;
        }

        await using var ownedScope = owned ? session : null;
        var call = BeginCall(session, list, options);
        var updates = new List<ChatResponseUpdate>();
        IAsyncEnumerator<ChatResponseUpdate> enumerator;
        try
        {
            // Waiting for the session's memory lookup is part of the call: its token stops the wait.
            var (sent, sentOptions) = _memory is null ? (list, options) : await _memory.WithMemoryAsync(session, list, options, cancellationToken).ConfigureAwait(false);
            enumerator = base.GetStreamingResponseAsync(sent, sentOptions, cancellationToken).GetAsyncEnumerator(cancellationToken);
        }
        catch (Exception ex)
        {
            await RecordFailureAsync(call, owned, ex, "chat.stream", cancellationToken).ConfigureAwait(false);
            throw;
        }

        // A one-call session's span is current only in the step of this iterator that started it: each later step runs
        // in the consumer's flow. It is made current again for each, so the chat and execute_tool spans of the tool
        // rounds below nest under it, not beside it. Only with a span, that is with a listener on the source.
        var span = owned ? (session as AgentSession)?.Activity : null;
        var failed = false;
        try
        {
            while (true)
            {
                if (span is not null && !ReferenceEquals(Activity.Current, span) && !span.IsStopped)
                {
                    Activity.Current = span;
                }

                try
                {
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (Exception ex)
                {
                    // What the consumer already received (text, tool calls and the results of tools that ran) is
                    // recorded before the failure or cancellation.
                    failed = true;
                    var received = updates.Count == 0 ? null : updates.ToChatResponse();
                    await RecordFailureAsync(call, owned, ex, "chat.stream", cancellationToken, received, options).ConfigureAwait(false);
                    throw;
                }

                updates.Add(enumerator.Current);
                yield return enumerator.Current;
            }
        }
        finally
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);

            // Also reached when the consumer stops reading early: what it did receive is still recorded.
            if (!failed)
            {
                await RecordStreamEndAsync(call, updates, owned, options, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

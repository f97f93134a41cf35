using Microsoft.Extensions.Options;

namespace Dreaming.Cli.Webhooks;

/// <summary>What <c>dreaming sessions abandon</c> tells the recovery to do with the <c>orchestration.failed</c> (status
/// <c>abandoned</c>) it writes for a crashed run: write it to the database's outbox as an unrouted event, for the app's
/// dispatcher to route to its receivers, under the event id <see cref="WebhookEventData.AbandonedRunEventId"/> makes, the
/// one the app's own webhook observer uses. The outbox refuses that id a second time, so the event is written once whether
/// this tool, an app's recovery racing it, or a recovery that died before ending the session and the next one tells it.</summary>
/// <remarks>The data is as a host's with the default payload options, and the timestamp the event's, as the app's. A write
/// that fails is kept and thrown on, so that the recovery leaves that run's session running (the next call writes the
/// event and ends it) and the command says what was not written. Thread-safe.</remarks>
internal sealed class AbandonedRunWebhooks(CliStores stores) : IIdempotentOrchestrationObserver
{
    // Fits a body within the default WebhookOptions.MaxPayloadBytes, as the app's publisher would; writes nothing itself.
    private readonly WebhookPublisher _fit = new(Options.Create(new WebhookOptions()), new InMemoryWebhookOutboxStore());
    private readonly Lock _gate = new();
    private readonly List<Exception> _failures = [];
    private int _written;

    /// <summary>Gets how many events this call wrote (not those found written already).</summary>
    public int Written => Volatile.Read(ref _written);

    /// <summary>Gets the failed writes.</summary>
    public IReadOnlyList<Exception> Failures
    {
        get
        {
            lock (_gate)
            {
                return [.. _failures];
            }
        }
    }

    public async ValueTask OnEventAsync(SessionEvent sessionEvent, CancellationToken cancellationToken = default)
    {
        if (sessionEvent is not OrchestrationFailedEvent { Status: OrchestrationFailedEvent.AbandonedStatus, Sequence: > 0 } abandoned
            || WebhookEventData.Orchestration(abandoned) is not { } raised)
        {
            return;
        }

        try
        {
            var webhookEvent = _fit.CreateEvent(raised.Type, abandoned.Timestamp, raised.Data) with { Id = WebhookEventData.AbandonedRunEventId(abandoned) };

            // Written whatever the token says, as the app's observer writes it: the session is ended next (or was).
            await stores.EnqueueUnroutedAsync(webhookEvent, CancellationToken.None).ConfigureAwait(false);
            Interlocked.Increment(ref _written);
        }
        catch (ArgumentException)
        {
            // Already in the outbox: written by the app's recovery, or by an earlier run of this command that died before
            // it ended the session.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            lock (_gate)
            {
                _failures.Add(ex);
            }

            // Thrown on, so that the recovery leaves the run's session running and the next call writes the event.
            throw;
        }
    }
}

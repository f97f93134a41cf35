using Microsoft.Extensions.Logging;

namespace Dreaming;

/// <summary>Routing the unrouted events another process (the <c>dreaming</c> tool) wrote to a shared outbox (event ids 89 and 90).</summary>
public sealed partial class WebhookDispatcher
{
    /// <summary>The most unrouted events one pass routes; more wait for the next pass.</summary>
    internal const int RouteLimit = 500;

    /// <summary>Routes the unrouted events waiting in the outbox to this dispatcher's endpoints that subscribe
    /// (<see cref="IWebhookOutboxStore.RouteUnroutedAsync"/>), before a pass claims what is due; never throws but for
    /// cancellation, so an outbox that cannot route does not stop deliveries. A dispatcher without endpoints routes
    /// nothing: it would drop every event, which an instance of the app that has endpoints would have delivered.</summary>
    private async Task RouteUnroutedAsync(CancellationToken cancellationToken)
    {
        if (_endpoints.Count == 0)
        {
            return;
        }

        try
        {
            var (routed, dropped) = await _outbox.RouteUnroutedAsync(SubscribedEndpoints, _time.GetUtcNow(), RouteLimit, cancellationToken).ConfigureAwait(false);
            if (routed > 0 || dropped > 0)
            {
                LogRouted(_logger, routed, dropped);
            }
        }
        catch (Exception ex) when (HostedServiceStop.IsStop(ex, cancellationToken))
        {
            // A stop, also one that found the outbox disposed: the round ends with it.
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRouteFailed(_logger, ex);
        }
    }

    /// <summary>This dispatcher's endpoints that subscribe to an event type, as the publisher routes its own events.</summary>
    private List<string> SubscribedEndpoints(string eventType)
    {
        var ids = new List<string>();
        foreach (var (id, (endpoint, _)) in _endpoints)
        {
            if (endpoint.Subscribes(eventType))
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    [LoggerMessage(EventId = 89, Level = LogLevel.Debug, Message = "Routed {Routed} webhook events another process (the dreaming tool) wrote to the outbox without endpoints; {Dropped} no endpoint subscribes to were dropped.")]
    private static partial void LogRouted(ILogger logger, int routed, int dropped);

    [LoggerMessage(EventId = 90, Level = LogLevel.Error, Message = "The webhook events another process (the dreaming tool) wrote to the outbox without endpoints could not be routed; the next pass retries. Due deliveries are sent meanwhile.")]
    private static partial void LogRouteFailed(ILogger logger, Exception exception);
}

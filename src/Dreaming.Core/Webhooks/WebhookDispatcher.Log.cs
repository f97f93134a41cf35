using Microsoft.Extensions.Logging;

namespace Dreaming;

/// <summary>The dispatcher's log messages (event ids 71 to 78, 86 and 87).</summary>
public sealed partial class WebhookDispatcher
{
    [LoggerMessage(EventId = 71, Level = LogLevel.Debug, Message = "Webhook {DeliveryId} ({EventType}) delivered to {EndpointId} on attempt {Attempt}.")]
    private static partial void LogDelivered(ILogger logger, string deliveryId, string eventType, string endpointId, int attempt);

    [LoggerMessage(EventId = 72, Level = LogLevel.Warning, Message = "Webhook {DeliveryId} ({EventType}) to {EndpointId} failed attempt {Attempt} ({Error}); next attempt at {NextAttemptAt}.")]
    private static partial void LogRetry(ILogger logger, string deliveryId, string eventType, string endpointId, int attempt, string error, DateTimeOffset nextAttemptAt);

    [LoggerMessage(EventId = 73, Level = LogLevel.Error, Message = "Webhook {DeliveryId} ({EventType}) to {EndpointId} is a dead letter: {Reason}. Replay it with 'dreaming webhooks replay'.")]
    private static partial void LogDead(ILogger logger, string deliveryId, string eventType, string endpointId, string reason);

    [LoggerMessage(EventId = 86, Level = LogLevel.Error, Message = "{Count} webhook deliveries to {EndpointId} became dead letters without an attempt: {Reason}. Replay them with 'dreaming webhooks replay' once the endpoint is enabled again.")]
    private static partial void LogDeadWithoutAttempt(ILogger logger, int count, string endpointId, string reason);

    [LoggerMessage(EventId = 87, Level = LogLevel.Debug, Message = "Webhook {DeliveryId} ({EventType}) to {EndpointId} is a dead letter without an attempt (reason: {Reason}); the pass logs the count for the endpoint at error level (event id 86).")]
    private static partial void LogDeadWithoutAttemptRow(ILogger logger, string deliveryId, string eventType, string endpointId, string reason);

    [LoggerMessage(EventId = 78, Level = LogLevel.Error, Message = "Webhook {DeliveryId} ({EventType}) to {EndpointId} can never be sent and is a dead letter: {Reason}. Fix the row in the outbox store: a replay would fail the same way.")]
    private static partial void LogUnsendable(ILogger logger, string deliveryId, string eventType, string endpointId, string reason);

    [LoggerMessage(EventId = 74, Level = LogLevel.Error, Message = "Webhook endpoint {EndpointId} was disabled: {Reason}. Every delivery to it is a dead letter from now on, until it is enabled again (an outbox store that keeps its rows, as the SQLite one does, keeps it disabled after a restart too): 'dreaming webhooks replay --all-dead' enables it on a SQLite outbox and sends its dead letters again (in code, IWebhookOutboxStore.SetEndpointDisabledAsync(id, null, now)).")]
    private static partial void LogEndpointDisabled(ILogger logger, string endpointId, string reason);

    [LoggerMessage(EventId = 75, Level = LogLevel.Error, Message = "A webhook dispatch round failed; the next round retries.")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 77, Level = LogLevel.Error, Message = "Webhook {DeliveryId} ({EventType}) to {EndpointId}: the attempt failed before its outcome was recorded; the delivery is sent again when its claim runs out.")]
    private static partial void LogAttemptFailed(ILogger logger, Exception exception, string deliveryId, string eventType, string endpointId);

    [LoggerMessage(EventId = 76, Level = LogLevel.Information, Message = "Webhook {DeliveryId} ({EventType}) to {EndpointId} was already delivered by another dispatcher; this dispatcher's late result ({Result}) changes nothing.")]
    private static partial void LogAlreadyDelivered(ILogger logger, string deliveryId, string eventType, string endpointId, string result);
}

using Microsoft.Extensions.Logging;

namespace Dreaming;

/// <summary>Tells the library's hosted services (the webhook dispatcher, the dream scheduler, session retention) their
/// host's stop from a failure. A host whose <c>HostOptions.ShutdownTimeout</c> is used up before it stops them (an
/// ASP.NET Core server waiting for a request or a stream still open) no longer waits for their loops, and disposes the
/// service provider while one may still run: the store, signal or client it then meets throws
/// <see cref="ObjectDisposedException"/>. With the stop requested that is the stop: the loop ends quietly (a debug
/// entry, event id 98) instead of logging errors and failing the host's stop with 'BackgroundService failed'.</summary>
internal static partial class HostedServiceStop
{
    /// <summary>Whether <paramref name="exception"/> is the host's stop: requested, and the exception a cancellation or
    /// something disposed under the loop (found also as an inner exception).</summary>
    public static bool IsStop(Exception exception, CancellationToken stoppingToken) =>
        stoppingToken.IsCancellationRequested && (exception is OperationCanceledException || IsDisposed(exception));

    /// <summary>Logs, at debug level, a loop that a stop ended on a disposed service; a cancellation is not logged.</summary>
    public static void Log(ILogger logger, string service, Exception exception)
    {
        if (IsDisposed(exception))
        {
            LogDisposed(logger, service, exception);
        }
    }

    private static bool IsDisposed(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is ObjectDisposedException)
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(EventId = 98, Level = LogLevel.Debug, Message = "{Service} stopped on a disposed service: the host disposed its services before the loop ended (its ShutdownTimeout was used up); the work in hand is left as a stop leaves it.")]
    private static partial void LogDisposed(ILogger logger, string service, Exception exception);
}

using System.Globalization;

namespace Dreaming;

/// <summary>A running dream run's lease in words, as <c>dreaming runs</c> and the agent view say it: who holds it until
/// when, or that it expired (its process stopped; the next dream of the scope ends it).</summary>
/// <remarks>Shared source, compiled into each assembly that needs it (internal in each).</remarks>
internal static class DreamRunLeaseText
{
    /// <summary>Whether the run is running and its lease expired at or before <paramref name="now"/>.</summary>
    /// <param name="run">The run.</param>
    /// <param name="now">The time the lease is compared with.</param>
    public static bool Expired(DreamRun run, DateTimeOffset now) => run.Status == DreamRunStatus.Running && run.LeaseExpiresAt <= now;

    /// <summary>The lease of a running run in words.</summary>
    /// <param name="run">The running run.</param>
    /// <param name="now">The time the lease is compared with.</param>
    public static string Of(DreamRun run, DateTimeOffset now)
    {
        var until = run.LeaseExpiresAt?.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture) ?? "-";
        return run.LeaseExpiresAt <= now
            ? $"lease expired at {until}: its process stopped ('{run.LeaseHolder}'); the next dream of the scope ends it"
            : $"lease held by '{run.LeaseHolder}' until {until}";
    }
}

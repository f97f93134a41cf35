using System.Globalization;
using Npgsql;

namespace Dreaming.Cli.Commands;

/// <summary>The time <c>dreaming runs recover</c> judges leases by and ends runs at, and <c>dreaming runs</c> tells a stuck
/// run by. A lease is written by the clock of the
/// host that holds it; on SQLite (a local file) the hosts and the tool share this machine's clock, which the store reads
/// itself. On PostgreSQL the tool may run on another machine: it reads the server's clock too and judges by the earlier of
/// the two, so a run is ended only when its lease expired by both clocks (a clock running fast on either side cannot end a
/// live run), and it warns when they differ by more than <see cref="WarnAbove"/>.</summary>
/// <remarks>Stateless and thread-safe.</remarks>
internal static class RecoveryClock
{
    /// <summary>The difference between this machine's clock and the server's past which the tool warns: 5 seconds, past a
    /// network round trip's uncertainty and well within a dream lease (minutes).</summary>
    internal static readonly TimeSpan WarnAbove = TimeSpan.FromSeconds(5);

    /// <summary>Gets the time a recovery on <paramref name="database"/> judges leases by: <see langword="null"/> (the store's
    /// clock, this machine's) on SQLite; on PostgreSQL the earlier of this machine's clock and the server's, warning on
    /// <paramref name="error"/> when they differ by more than <see cref="WarnAbove"/>.</summary>
    public static async Task<DateTimeOffset?> NowAsync(CliDatabase database, TextWriter error, CancellationToken cancellationToken)
    {
        if (!database.IsPostgres)
        {
            return null;
        }

        // A connection of its own, not pooled, as the schema check's.
        var settings = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT clock_timestamp()", connection);
        var before = DateTimeOffset.UtcNow;
        var server = (DateTime)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        var after = DateTimeOffset.UtcNow;
        var (now, warning) = Judge(before, new DateTimeOffset(DateTime.SpecifyKind(server, DateTimeKind.Utc)), after);
        if (warning is not null)
        {
            await error.WriteLineAsync(warning).ConfigureAwait(false);
        }

        return now;
    }

    /// <summary>Gets the time to judge leases by, given this machine's clock before and after it read the server's, and the
    /// server's: the earlier of the server's and this machine's (at the read's midpoint, moved on to <paramref name="after"/>),
    /// and a warning naming the difference when it is more than <see cref="WarnAbove"/>.</summary>
    internal static (DateTimeOffset Now, string? Warning) Judge(DateTimeOffset before, DateTimeOffset server, DateTimeOffset after)
    {
        var local = before + ((after - before) / 2);
        var ahead = local - server;
        var now = after - (ahead < TimeSpan.Zero ? TimeSpan.Zero : ahead);
        if (ahead.Duration() <= WarnAbove)
        {
            return (now, null);
        }

        return (now, string.Create(
            CultureInfo.InvariantCulture,
            $"warning: this machine's clock is {Seconds(ahead.Duration())} {(ahead > TimeSpan.Zero ? "ahead of" : "behind")} the PostgreSQL server's; leases are judged by the earlier of the two ({now.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC), so a run is ended only when its lease expired by both clocks. The hosts that hold leases write them by their own clocks: keep them, this machine and the server in time (NTP)."));
    }

    /// <summary>Writes a duration as the largest whole unit <c>--older-than</c> takes: 90s, 10m, 6h, 2d.</summary>
    internal static string Duration(TimeSpan value) =>
        value.Ticks % TimeSpan.TicksPerDay == 0 ? string.Create(CultureInfo.InvariantCulture, $"{value.Ticks / TimeSpan.TicksPerDay}d")
        : value.Ticks % TimeSpan.TicksPerHour == 0 ? string.Create(CultureInfo.InvariantCulture, $"{value.Ticks / TimeSpan.TicksPerHour}h")
        : value.Ticks % TimeSpan.TicksPerMinute == 0 ? string.Create(CultureInfo.InvariantCulture, $"{value.Ticks / TimeSpan.TicksPerMinute}m")
        : string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0}s");

    private static string Seconds(TimeSpan value) => string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0.#} s");
}

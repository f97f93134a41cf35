using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>A trigger of the test's on a store table that makes the store's statement wait, inside its transaction,
/// for a lock the test holds: the store (a child process, or one behind a <see cref="TcpProxy"/>) stops there with its
/// change made and not committed, holding the locks it took.</summary>
internal sealed class StatementTrap : IAsyncDisposable
{
    private readonly NpgsqlConnection _holder;
    private readonly long _key = Random.Shared.NextInt64(1, int.MaxValue);

    private StatementTrap(NpgsqlConnection holder) => _holder = holder;

    /// <summary>Sets a trap on <paramref name="table"/> that catches a row updated (or written by
    /// <paramref name="events"/>, such as <c>INSERT</c>) so that <paramref name="when"/> holds (in terms of <c>NEW</c>),
    /// and holds it shut.</summary>
    public static async Task<StatementTrap> SetAsync(string connectionString, string schema, string table, string when, string events = "UPDATE")
    {
        var holder = new NpgsqlConnection(connectionString + ";Search Path=" + schema);
        await holder.OpenAsync();
        var trap = new StatementTrap(holder);
        await trap.ExecuteAsync(
            $"CREATE FUNCTION crash_trap() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_lock({trap._key}); PERFORM pg_advisory_unlock({trap._key}); RETURN NULL; END $$; "
            + $"CREATE TRIGGER crash_trap AFTER {events} ON {table} FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION crash_trap(); "
            + $"SELECT pg_advisory_lock({trap._key})");
        return trap;
    }

    /// <summary>Gets the server process caught in the trap, or <see langword="null"/> while none is.</summary>
    public async Task<int?> CaughtAsync() =>
        await ScalarAsync($"SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid::bigint = {_key} AND objsubid = 1") as int?;

    /// <summary>Lets the caught statement go on.</summary>
    public Task ReleaseAsync() => ExecuteAsync($"SELECT pg_advisory_unlock({_key})");

    /// <summary>Gets the state of a server process (<c>active</c>, <c>idle in transaction</c>...), or
    /// <see langword="null"/> once it has ended.</summary>
    public async Task<string?> StateAsync(int pid) => await ScalarAsync($"SELECT state FROM pg_stat_activity WHERE pid = {pid}") as string;

    public ValueTask DisposeAsync() => _holder.DisposeAsync();

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var command = new NpgsqlCommand(sql, _holder);
        return await command.ExecuteScalarAsync();
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = new NpgsqlCommand(sql, _holder);
        await command.ExecuteNonQueryAsync();
    }
}

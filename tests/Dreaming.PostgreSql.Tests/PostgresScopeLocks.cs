using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>A scope's lock taken as another instance's change takes it, and the backends waiting for it: for tests that
/// hold a change (or a recovery) at the lock while they change what it will read.</summary>
internal static class PostgresScopeLocks
{
    /// <summary>Takes a scope's lock in a transaction left open; COMMIT on the connection, or closing it, frees it.</summary>
    /// <param name="schema">The schema of the stores.</param>
    /// <param name="scope">The scope.</param>
    /// <param name="component">The component whose scope is locked (memory or dream runs).</param>
    /// <returns>The connection holding the lock.</returns>
    public static async Task<NpgsqlConnection> HoldAsync(string schema, MemoryScope scope, string component)
    {
        var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("BEGIN; SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))", connection);
        command.Parameters.AddWithValue("key", Key(schema, scope, component));
        await command.ExecuteNonQueryAsync();
        return connection;
    }

    /// <summary>Waits until <paramref name="count"/> backends wait for the scope's lock of this schema (never another test's
    /// or another engineer's: the server is shared); returns one's process id.</summary>
    /// <param name="schema">The schema of the stores.</param>
    /// <param name="count">The waiters to wait for.</param>
    /// <param name="scope">The scope.</param>
    /// <param name="component">The component whose scope is locked.</param>
    /// <returns>The process id of a waiter.</returns>
    public static async Task<int> WaitForWaitersAsync(string schema, int count, MemoryScope scope, string component)
    {
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
        await connection.OpenAsync();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            await using var command = new NpgsqlCommand(
                "SELECT array_agg(pid) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1 "
                + "AND ((classid::bigint << 32) | objid::bigint) = hashtextextended(@key, 0)",
                connection);
            command.Parameters.AddWithValue("key", Key(schema, scope, component));
            if (await command.ExecuteScalarAsync() is int[] waiters && waiters.Length >= count)
            {
                return waiters[0];
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("No change waited for the scope's lock.");
    }

    /// <summary>The key of a scope's lock as the stores write it: a NUL in the scope's id escaped as in every stored text.</summary>
    /// <param name="schema">The schema.</param>
    /// <param name="scope">The scope.</param>
    /// <param name="component">The component.</param>
    /// <returns>The key.</returns>
    public static string Key(string schema, MemoryScope scope, string component) => PostgresText.Encode($"dreaming.{component}:{schema}:{scope.Key}");
}

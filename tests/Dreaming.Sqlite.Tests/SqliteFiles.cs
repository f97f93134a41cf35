using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite.Tests;

/// <summary>Reads and prepares database files directly, without the store.</summary>
internal static class SqliteFiles
{
    public static object? Scalar(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public static long Long(string path, string sql) => Convert.ToInt64(Scalar(path, sql), CultureInfo.InvariantCulture);

    public static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Inserts sessions as the store's own rows would hold them, in one transaction, without opening a store.</summary>
    public static void InsertSessions(string path, SessionRecord[] sessions)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = SqliteRows.CreateInsertSession(connection);
        insert.Transaction = transaction;
        foreach (var session in sessions)
        {
            SqliteRows.BindSession(insert, session);
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>Runs a statement inside a transaction the caller holds.</summary>
    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Writes a file of the current schema version as a build before the ensured EndedFrom indexes and the change
    /// numbers left it: the shipped scripts, the version, and that build's start-time index of the scopes; no sessions.</summary>
    public static void WriteOlderBuildSchema(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        foreach (var script in SqliteSchema.Migrations)
        {
            Execute(connection, script, transaction);
        }

        Execute(connection, $"PRAGMA user_version = {SqliteSchema.LatestVersion};", transaction);
        Execute(connection, "CREATE INDEX ix_sessions_scope_started ON sessions (scope, started_ms, id);", transaction);
        transaction.Commit();
    }
}

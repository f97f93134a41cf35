using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>One schema of the test server for a test class's test, dropped afterwards, and the helpers the memory and
/// dream run tests share.</summary>
public abstract class PostgresStoreFixture : IAsyncLifetime
{
    /// <summary>A time with milliseconds, as the stores keep them.</summary>
    protected static readonly DateTimeOffset BaseTime = new(2026, 11, 27, 4, 0, 0, 123, TimeSpan.Zero);

    /// <summary>Gets the schema of the running test.</summary>
    protected string Schema { get; } = PostgresTestServer.NewSchema();

    /// <summary>Gets the options of a store on <see cref="Schema"/>; each call a new object, as another instance would have.</summary>
    protected PostgresStoreOptions Options => PostgresTestServer.NewOptions(Schema);

    /// <inheritdoc />
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public virtual Task DisposeAsync() => PostgresTestServer.DropSchemaAsync(Schema);

    /// <summary>A proposal of one insight per id, with the text "lesson {id}".</summary>
    protected static MemoryProposal Proposal(MemoryScope scope, string? parentVersionId, MemoryAuthor author, params string[] insightIds) => new()
    {
        Scope = scope,
        ParentVersionId = parentVersionId,
        Author = author,
        Insights = [.. insightIds.Select(id => new Insight
        {
            Id = id,
            Text = "lesson " + id,
            Scope = scope,
            Source = InsightSource.Mined,
            CreatedAt = BaseTime,
            UpdatedAt = BaseTime,
        })],
    };

    /// <summary>Runs one query on <see cref="Schema"/> and returns its first value.</summary>
    protected async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString + ";Search Path=" + Schema);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>Runs statements on <see cref="Schema"/>.</summary>
    protected async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString + ";Search Path=" + Schema);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

namespace Dreaming.Sqlite.Tests;

/// <summary>Several stores (as several processes) open, at once, a file whose change triggers an earlier build made: one
/// replaces them, the others find them current, none fails, and every write is numbered once.</summary>
public sealed class SqliteChangeTriggerConcurrencyTests : IDisposable
{
    private static readonly DateTimeOffset BaseTime = new(2025, 3, 14, 9, 0, 0, 123, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Stores_opening_a_file_of_older_triggers_at_once_replace_them_once_and_number_every_write()
    {
        var path = _folder.File("concurrent-triggers.db");
        using (var store = new SqliteTraceStore(path))
        {
            await store.InitializeAsync();
        }

        // The first triggers, without a version, as the build before the versions made them.
        var unversioned = string.Concat(SqliteSchema.ChangeTriggerNames.Select(name =>
            Convert.ToString(SqliteFiles.Scalar(path, $"SELECT sql FROM sqlite_master WHERE name = '{name}'"), System.Globalization.CultureInfo.InvariantCulture)!
                .Replace(SqliteSchema.ChangeTriggerMarker + "1 */ ", string.Empty, StringComparison.Ordinal) is var sql
                ? $"DROP TRIGGER {name}; {sql};" : string.Empty));
        SqliteFiles.Execute(path, unversioned);
        Assert.Equal(0, SqliteFiles.Long(path, $"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND instr(sql, '{SqliteSchema.ChangeTriggerMarker}') > 0"));

        var stores = Enumerable.Range(0, 4).Select(_ => new SqliteTraceStore(path)).ToList();
        try
        {
            await Task.WhenAll(stores.Select((store, i) => Task.Run(() => store.ImportAsync([new SessionWithEvents(Session($"s-{i}"), [])]))));
            var numbers = new List<long?>();
            foreach (var i in Enumerable.Range(0, stores.Count))
            {
                numbers.Add((await stores[0].GetSessionAsync($"s-{i}"))!.ChangeNumber);
            }

            Assert.All(numbers, n => Assert.NotNull(n));
            Assert.Equal(stores.Count, numbers.Distinct().Count());
        }
        finally
        {
            stores.ForEach(static s => s.Dispose());
        }

        Assert.Equal(SqliteSchema.ChangeTriggerNames.Length, SqliteFiles.Long(path, $"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND instr(sql, '{SqliteSchema.ChangeTriggerMarker}1 */') > 0"));
        Assert.Equal(SqliteSchema.ChangeTriggerNames.Length, SqliteFiles.Long(path, $"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ('{string.Join("', '", SqliteSchema.ChangeTriggerNames)}')"));
        Assert.Equal("ok", SqliteFiles.Scalar(path, "PRAGMA integrity_check"));
    }

    private static SessionRecord Session(string id) => new()
    {
        Id = id,
        AgentId = "bot",
        Task = "task " + id,
        Status = SessionStatus.Completed,
        StartedAt = BaseTime,
        EndedAt = BaseTime.AddMinutes(1),
        Outcome = SessionOutcome.Succeeded(),
    };
}

namespace Dreaming.Sqlite.Tests;

/// <summary>The change-number triggers carry a version in their text: a file whose triggers an earlier build made (an
/// older definition, or none) has them replaced on open, under the same names, so builds that look for them by name
/// still open it; a file a later build gave newer triggers keeps them; stores opening the file at once replace them once.</summary>
public sealed class SqliteChangeTriggerVersionTests : IDisposable
{
    private static readonly DateTimeOffset BaseTime = new(2025, 3, 14, 9, 0, 0, 123, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task An_older_trigger_definition_is_replaced_on_open_under_the_same_name()
    {
        var path = _folder.File("older-trigger.db");
        using (var store = new SqliteTraceStore(path))
        {
            await store.InitializeAsync();
        }

        // A build whose update trigger numbered ends only (not gradings): what CREATE TRIGGER IF NOT EXISTS would keep forever.
        SqliteFiles.Execute(path, "DROP TRIGGER tr_sessions_change_update; CREATE TRIGGER tr_sessions_change_update AFTER UPDATE OF status, ended_ms ON sessions BEGIN "
            + "UPDATE session_change_counter SET last = last + 1 WHERE id = 1; UPDATE sessions SET change_no = (SELECT last FROM session_change_counter WHERE id = 1) WHERE rowid = NEW.rowid; END;");
        var version = SqliteFiles.Long(path, "PRAGMA user_version");

        using (var store = new SqliteTraceStore(path))
        {
            await store.ImportAsync([new SessionWithEvents(Session("s-1"), [])]);
            var imported = (await store.GetSessionAsync("s-1"))!.ChangeNumber;
            await store.SetOutcomeAsync("s-1", SessionOutcome.Failed());
            Assert.True((await store.GetSessionAsync("s-1"))!.ChangeNumber > imported, "A grading was not numbered: the older trigger was kept.");
        }

        // The same names (an earlier build looks for them by name and opens the file as it is) and the same version.
        Assert.Equal(SqliteSchema.ChangeTriggerNames.Length, SqliteFiles.Long(path, $"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ('{string.Join("', '", SqliteSchema.ChangeTriggerNames)}')"));
        Assert.Equal(version, SqliteFiles.Long(path, "PRAGMA user_version"));
        Assert.Equal("ok", SqliteFiles.Scalar(path, "PRAGMA integrity_check"));
    }

    [Fact]
    public async Task Triggers_of_a_later_build_are_kept()
    {
        // A later build's triggers say their version as this one's do, in a comment of their text (SQLite keeps it).
        var path = _folder.File("newer-trigger.db");
        using (var store = new SqliteTraceStore(path))
        {
            await store.InitializeAsync();
        }

        var newer = "CREATE TRIGGER tr_sessions_change_update AFTER UPDATE OF status, ended_ms, outcome_label, outcome_score, outcome_source, task ON sessions BEGIN "
            + "/* dreaming change triggers 1000 */ "
            + "UPDATE session_change_counter SET last = last + 1 WHERE id = 1; UPDATE sessions SET change_no = (SELECT last FROM session_change_counter WHERE id = 1) WHERE rowid = NEW.rowid; END";
        SqliteFiles.Execute(path, "DROP TRIGGER tr_sessions_change_update; " + newer + ";");

        using (var store = new SqliteTraceStore(path))
        {
            await store.ImportAsync([new SessionWithEvents(Session("s-1"), [])]);
        }

        Assert.Equal(newer, SqliteFiles.Scalar(path, "SELECT sql FROM sqlite_master WHERE name = 'tr_sessions_change_update'"));
    }

    // Several stores (as several processes) open, at once, a file whose change triggers an earlier build made: one replaces
    // them, the others find them current, none fails, and every write is numbered once.
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

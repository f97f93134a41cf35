using Dreaming.Sqlite;
using Dreaming.Tests;

namespace Dreaming.Sqlite.Tests;

/// <summary>Two recoveries (two instances of an app on one file) end the same crashed orchestration runs at once: each run
/// gets one <c>orchestration.failed</c> event, and the observers of the two calls together hear each one once.</summary>
public sealed class RecoveryRaceTests
{
    [Fact]
    public Task Two_recoveries_racing_on_one_file_write_one_end_per_run_and_tell_it_once() =>
        OnTwoStoresOfOneFileAsync(RecoveryRaceScenario.AssertRacingRecoveriesEndEachRunOnceAsync);

    [Fact]
    public Task A_recovery_that_wrote_a_runs_end_tells_it_when_the_other_recovery_ends_the_session_first() =>
        OnTwoStoresOfOneFileAsync(RecoveryRaceScenario.AssertToldOnceWhenInterleavedAsync);

    // Two stores on one new file, as two instances of an app are.
    private static async Task OnTwoStoresOfOneFileAsync(Func<ITraceStore, ITraceStore, Task> scenario)
    {
        var folder = Directory.CreateTempSubdirectory("dreaming-recovery-race-");
        try
        {
            var options = new SqliteTraceStoreOptions { ConnectionString = "Data Source=" + Path.Combine(folder.FullName, "race.db") };
            using var first = new SqliteTraceStore(options);
            using var second = new SqliteTraceStore(options);
            await scenario(first, second);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }
}

using Dreaming.Tests;

namespace Dreaming.PostgreSql.Tests;

/// <summary>Two recoveries (two instances of an app on one PostgreSQL schema) end the same crashed orchestration runs at once: each run
/// gets one <c>orchestration.failed</c> event, and the observers of the two calls together hear each one once.</summary>
public sealed class PostgresRecoveryRaceTests : IAsyncLifetime
{
    private readonly TraceSchema _schema = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task Two_recoveries_racing_on_one_schema_write_one_end_per_run_and_tell_it_once()
    {
        await RecoveryRaceScenario.AssertRacingRecoveriesEndEachRunOnceAsync(_schema.NewStore(), _schema.NewStore());
    }

    [Fact]
    public async Task A_recovery_that_wrote_a_runs_end_tells_it_when_the_other_recovery_ends_the_session_first()
    {
        await RecoveryRaceScenario.AssertToldOnceWhenInterleavedAsync(_schema.NewStore(), _schema.NewStore());
    }
}

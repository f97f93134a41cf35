using Dreaming.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Dreaming.AgentView.Tests.AgentData;

namespace Dreaming.AgentView.Tests;

/// <summary>The agent pages on the SQLite store: the same figures as on the in-memory one.</summary>
public sealed class AgentPageSqliteTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "avchart-" + Guid.NewGuid().ToString("N") + ".db");

    [Fact]
    public async Task The_agent_pages_show_the_same_figures_on_the_SQLite_store()
    {
        var clock = new FakeTimeProvider(Early);
        await using var host = await StartAsync(clock, services => services.AddDreamingAgents().UseSqliteStore("Data Source=" + _path));
        Assert.IsType<SqliteTraceStore>(host.Traces);
        await SeedAsync(host, clock);

        var agents = await host.PageAsync("/dreaming/agents?days=7");
        Assert.Equal(
        [
            ["billing", "2", "1", "0", "1", "0", "0", "1,000", "100", "0.65", "50.0%"],
            ["support", "10", "7", "1", "0", "1", "1", "600", "60", "0.67", "85.7%"],
        ], agents.Rows("table.agents"));

        var support = await host.PageAsync("/dreaming/agents/support?days=7");
        Assert.Equal(
        [
            ["No memory", "1", "0", "-", "-", "1.0", "2026-11-28", "2026-11-28"],
            ["v1", "5", "4", "0.65", "75.0%", "9.0", "2026-11-24", "2026-11-27"],
            ["v2", "2", "2", "0.70", "100.0%", "5.0", "2026-11-24", "2026-11-25"],
            ["v2 + global v1", "1", "1", "0.70", "100.0%", "4.0", "2026-11-28", "2026-11-28"],
        ], support.Rows("table.versions"));
        Assert.Equal(["M102.29,109.33 M380,16", "M102.29,116 L194.86,36", "M472.57,76"], support.QuerySelectorAll("svg#score-chart g.series path").Select(p => p.GetAttribute("d")));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(file);
        }
    }
}

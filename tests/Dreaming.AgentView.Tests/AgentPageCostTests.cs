using System.Diagnostics;
using System.Globalization;
using Dreaming.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static Dreaming.AgentView.Tests.AgentData;

namespace Dreaming.AgentView.Tests;

/// <summary>Opt-in (DREAMING_AGENTVIEW_MEASURE=1): the agent pages' time on a SQLite file past both caps. 21,000 sessions
/// of 22 events each, two agents, every session given a version by its events.</summary>
public sealed class AgentPageCostTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_agent_pages_past_their_caps_on_SQLite()
    {
        if (Environment.GetEnvironmentVariable("DREAMING_AGENTVIEW_MEASURE") != "1")
        {
            output.WriteLine("Skipped: set DREAMING_AGENTVIEW_MEASURE=1 to measure the agent pages on a 21,000-session SQLite file.");
            return;
        }

        var path = Path.Combine(Path.GetTempPath(), "avchart-measure-" + Guid.NewGuid().ToString("N") + ".db");
        try
        {
            var clock = new FakeTimeProvider(Early);
            await using var host = await StartAsync(clock, s => s.AddDreamingAgents().UseSqliteStore("Data Source=" + path));
            var v1 = await host.VersionAsync(clock, MemoryScope.Agent("busy"), Nov(1, 0));
            clock.SetUtcNow(Now);
            var notes = Enumerable.Range(0, 21).Select(i => (SessionEvent)new NoteEvent { Text = new string('x', 200) }).ToArray();
            for (var batch = 0; batch < 21; batch++)
            {
                await host.Traces.ImportAsync([.. Enumerable.Range(batch * 1000, 1000).Select(i =>
                {
                    var s = Session("m" + i.ToString("D6", CultureInfo.InvariantCulture), i % 3 == 0 ? "other" : "busy", Nov(2, 0).AddMinutes(i), outcome: SessionOutcome.Succeeded(0.5), injected: [v1]);
                    return s with { Events = [.. s.Events, .. notes.Select((e, k) => e with { SessionId = s.Session.Id, Sequence = k + 2, Timestamp = s.Session.StartedAt })] };
                })]);
            }

            foreach (var url in new[] { "/dreaming/agents", "/dreaming/agents", "/dreaming/agents/busy", "/dreaming/agents/busy" })
            {
                var watch = Stopwatch.StartNew();
                var page = await host.PageAsync(url);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{url}: {watch.ElapsedMilliseconds} ms"));
                Assert.NotNull(page.QuerySelector("p.cap-note"));
            }

            Assert.Equal([["v1", "2,000"]], (await host.PageAsync("/dreaming/agents/busy")).Rows("table.versions").Select(r => r[..2]));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(path);
        }
    }

    [Fact]
    public async Task An_agent_of_20000_tenants_without_memory_beside_one_without_teams_on_SQLite()
    {
        if (Environment.GetEnvironmentVariable("DREAMING_AGENTVIEW_MEASURE") != "1")
        {
            output.WriteLine("Skipped: set DREAMING_AGENTVIEW_MEASURE=1 to measure an agent page whose 20,000 sessions name 20,000 team scopes.");
            return;
        }

        var path = Path.Combine(Path.GetTempPath(), "avchart-tenants-" + Guid.NewGuid().ToString("N") + ".db");
        try
        {
            var clock = new FakeTimeProvider(Now);
            await using var host = await StartAsync(clock, s => s.AddDreamingAgents().UseSqliteStore("Data Source=" + path));
            for (var batch = 0; batch < 20; batch++)
            {
                await host.Traces.ImportAsync([.. Enumerable.Range(batch * 1000, 1000).Select(i => Session("t" + i.ToString("D6", CultureInfo.InvariantCulture), "tenanted", Nov(10, 0).AddMinutes(i), outcome: SessionOutcome.Succeeded(0.5), team: "tenant-" + i.ToString(CultureInfo.InvariantCulture)))]);
                await host.Traces.ImportAsync([.. Enumerable.Range(batch * 1000, 1000).Select(i => Session("p" + i.ToString("D6", CultureInfo.InvariantCulture), "plain", Nov(10, 0).AddMinutes(i), outcome: SessionOutcome.Succeeded(0.5)))]);
            }

            foreach (var url in new[] { "/dreaming/agents/plain", "/dreaming/agents/tenanted", "/dreaming/agents/plain", "/dreaming/agents/tenanted" })
            {
                var watch = Stopwatch.StartNew();
                var page = await host.PageAsync(url);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{url}: {watch.ElapsedMilliseconds} ms"));
                Assert.Equal([["No memory", "20,000"]], page.Rows("table.versions").Select(r => r[..2]));
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(path);
        }
    }
}

using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Dreaming.Sqlite;
using static Dreaming.AgentView.Tests.TestMemory;

namespace Dreaming.AgentView.Tests;

/// <summary>The dream run pages: a scope's runs and one run's report; and the memory and run pages on the SQLite store.</summary>
public sealed class DreamRunPagesTests
{
    [Fact]
    public async Task A_scopes_runs_show_status_times_counts_version_usage_and_failure()
    {
        await using var host = await AgentViewHost.StartAsync();
        var (done, version) = await SeedCompletedRunAsync(host.DreamRuns, host.Memory);
        var failed = await host.DreamRuns.CreateAsync(new DreamRunRequest { Scope = Scope });
        await host.DreamRuns.FailAsync(failed.Id, "model <b>timeout</b>");

        var page = await host.PageAsync("/dreaming/runs?scope=agent%3Asupport");

        Assert.Equal("Dream runs of agent:support", page.QuerySelector("main h2")!.TextContent);
        var rows = page.QuerySelectorAll("table.runs tbody tr");
        Assert.Equal([failed.Id, done.Id], rows.Select(r => r.QuerySelector("td")!.TextContent));
        var cells = rows[1].QuerySelectorAll("td").Select(td => td.TextContent).ToArray();
        Assert.Equal(["completed", "2", "1", version.Id, "1,500", "12", "proposed for review"], [cells[1], cells[5], cells[6], cells[7], cells[8], cells[9], cells[10]]);
        Assert.Equal("/dreaming/runs/" + done.Id, rows[1].QuerySelector("td a")!.GetAttribute("href"));
        Assert.Equal("/dreaming/memory/versions/" + version.Id, rows[1].QuerySelector("td:nth-child(8) a")!.GetAttribute("href"));
        Assert.Equal("failed", rows[0].QuerySelectorAll("td")[1].TextContent);
        Assert.Equal("model <b>timeout</b>", rows[0].QuerySelector("td:last-child span.error-message")!.TextContent);
        Assert.Empty(page.QuerySelectorAll("main b"));
    }

    [Fact]
    public async Task A_running_runs_lease_is_shown_as_the_CLI_words_it_and_an_expired_one_says_its_process_stopped()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero));
        await using var host = await AgentViewHost.StartAsync(services: services => services.AddSingleton<TimeProvider>(time));
        var run = await host.DreamRuns.CreateAsync(new DreamRunRequest { Scope = Scope });
        await host.DreamRuns.StartAsync(run.Id, "web-1 <pid 7>", TimeSpan.FromMinutes(5));

        var page = await host.PageAsync("/dreaming/runs?scope=agent%3Asupport");
        Assert.Equal("lease held by 'web-1 <pid 7>' until 2026-11-01T09:05:00.000Z", page.QuerySelector("table.runs tbody td:last-child")!.TextContent);

        time.Advance(TimeSpan.FromMinutes(6));
        var later = await host.PageAsync("/dreaming/runs/" + run.Id);
        var facts = later.QuerySelectorAll("dl.facts dt").Zip(later.QuerySelectorAll("dl.facts dd")).ToDictionary(p => p.First.TextContent, p => p.Second.TextContent);
        Assert.Equal("running", facts["Status"]);
        Assert.Equal("lease expired at 2026-11-01T09:05:00.000Z: its process stopped ('web-1 <pid 7>'); the next dream of the scope ends it", facts["Lease"]);
    }

    [Fact]
    public async Task A_runs_report_shows_findings_with_evidence_links_changes_and_the_version_it_produced()
    {
        await using var host = await AgentViewHost.StartAsync();
        var (run, version) = await SeedCompletedRunAsync(host.DreamRuns, host.Memory);

        var page = await host.PageAsync("/dreaming/runs/" + run.Id);

        Assert.Equal(["s1", "s/2"], page.QuerySelectorAll("section#sessions-read a").Select(a => a.TextContent));
        Assert.Equal("/dreaming/sessions/s%2F2", page.QuerySelectorAll("section#sessions-read a")[1].GetAttribute("href"));
        var finding = page.QuerySelector("table.findings tbody tr")!;
        Assert.Equal("tool_error", finding.QuerySelector("td")!.FirstChild!.TextContent);
        Assert.Equal("refund: 404 <not found>", finding.QuerySelector("td:nth-child(2) pre")!.TextContent);
        Assert.Equal([("s1 #4, #7", "/dreaming/sessions/s1"), ("s/2", "/dreaming/sessions/s%2F2")], finding.QuerySelectorAll("ul.evidence a").Select(a => (a.TextContent, a.GetAttribute("href"))));
        Assert.Equal("failed", finding.QuerySelector("ul.evidence li span.status")!.TextContent);
        var change = page.QuerySelectorAll("table.changes tbody tr td").Select(td => td.TextContent).ToArray();
        Assert.Equal(["add", "ins-a", "pitfall", "Check the order status before refunding.", "tool_error refund (2 sessions)"], change);
        var facts = page.QuerySelectorAll("dl.facts dt").Zip(page.QuerySelectorAll("dl.facts dd")).ToDictionary(p => p.First.TextContent, p => p.Second);
        Assert.Equal("/dreaming/memory/versions/" + version.Id, facts["Proposed version"].QuerySelector("a")!.GetAttribute("href"));
        Assert.Equal("/dreaming/runs?scope=agent%3Asupport", facts["Scope"].QuerySelector("a")!.GetAttribute("href"));
        Assert.Equal("require_approval", facts["Review"].TextContent);
    }

    [Fact]
    public async Task Without_a_scope_the_runs_page_offers_the_scopes_a_bad_scope_is_a_400_and_an_unknown_run_a_404()
    {
        await using var host = await AgentViewHost.StartAsync();
        var page = await host.PageAsync("/dreaming/runs");
        Assert.Equal(["global"], page.QuerySelectorAll("ul.scopes a").Select(a => a.TextContent));
        Assert.Equal("/dreaming/runs?scope=global", page.QuerySelector("ul.scopes a")!.GetAttribute("href"));

        using var client = host.Client();
        using var bad = await client.GetAsync(new Uri("/dreaming/runs?scope=agent%3A", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var missing = await client.GetAsync(new Uri("/dreaming/runs/dr-none", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("No dream run &#x27;dr-none&#x27;.", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_findings_evidence_over_the_pages_cap_says_how_many_sessions_and_sequences_are_not_shown()
    {
        await using var host = await AgentViewHost.StartAsync();
        var run = await host.DreamRuns.CreateAsync(new DreamRunRequest { Scope = Scope });
        await host.DreamRuns.StartAsync(run.Id, "host-1", TimeSpan.FromMinutes(5));
        await host.DreamRuns.CompleteAsync(run.Id, new DreamRunResults
        {
            Report = new DreamReport
            {
                Findings =
                [
                    new DreamFinding
                    {
                        Kind = "tool_error",
                        Pattern = "tool_error",
                        Signature = "refund: 404",
                        Sessions = 25,
                        // MiningOptions.MaxEvidence set to 25, the first session seen at 12 events.
                        Evidence = [new DreamFindingEvidence("s0", true, [.. Enumerable.Range(1, 12).Select(i => (long)i)]), .. Enumerable.Range(1, 24).Select(i => new DreamFindingEvidence("s" + i, true, []))],
                    },
                ],
            },
        });

        var page = await host.PageAsync("/dreaming/runs/" + run.Id);

        var evidence = page.QuerySelector("table.findings tbody tr td:last-child")!;
        Assert.Equal(20, evidence.QuerySelectorAll("ul.evidence li").Length);
        Assert.Equal("s0 #1, #2, #3, #4, #5, #6, #7, #8, #9, #10 and 2 more", evidence.QuerySelector("ul.evidence a")!.TextContent);
        Assert.Equal("and 5 more sessions", evidence.QuerySelector("p.cap")?.TextContent);
    }

    [Fact]
    public async Task The_memory_and_run_pages_and_an_approval_work_on_the_SQLite_store()
    {
        var path = Path.Combine(Path.GetTempPath(), "agentview-" + Guid.NewGuid().ToString("N") + ".db");
        try
        {
            await using (var host = await AgentViewHost.StartAsync(services: services => services.AddDreamingAgents().UseSqliteStore(path)))
            {
                Assert.IsType<SqliteMemoryStore>(host.Memory);
                var (run, version) = await SeedCompletedRunAsync(host.DreamRuns, host.Memory);

                var runs = await host.PageAsync("/dreaming/runs?scope=agent%3Asupport");
                Assert.Equal([run.Id], runs.QuerySelectorAll("table.runs tbody tr td:first-child").Select(td => td.TextContent));
                var versions = await host.PageAsync("/dreaming/memory/agent%3Asupport");
                Assert.Equal([version.Id], versions.QuerySelectorAll("table.versions tbody td:nth-child(2)").Select(td => td.TextContent));

                using var approved = await host.PostReviewAsync(version.Id, "approve");
                Assert.Equal(HttpStatusCode.SeeOther, approved.StatusCode);
                var page = await host.PageAsync("/dreaming/memory/versions/" + version.Id);
                Assert.Equal("active", page.QuerySelectorAll("dl.facts dd")[2].TextContent);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            {
                File.Delete(file);
            }
        }
    }

    private static async Task<(DreamRun Run, MemoryVersion Version)> SeedCompletedRunAsync(IDreamRunStore runs, IMemoryStore memory)
    {
        var run = await runs.CreateAsync(new DreamRunRequest { Scope = Scope, ReviewMode = DreamReviewMode.RequireApproval });
        await runs.StartAsync(run.Id, "host-1", TimeSpan.FromMinutes(5));
        var version = await memory.ProposeAsync(null, MemoryAuthor.DreamRun(run.Id), "dream", Insight("ins-a", "Check the order status before refunding.", null, new InsightEvidence("s1", 4)));
        var done = await runs.CompleteAsync(run.Id, new DreamRunResults
        {
            SessionIds = ["s1", "s/2"],
            StageUsage = [new DreamStageUsage("reflect", new SessionUsage { InputTokens = 1000, OutputTokens = 500, CostMinorUnits = 12, ModelCalls = 1 }, TimeSpan.FromSeconds(2))],
            OutputVersionId = version.Id,
            Note = "proposed for review",
            Report = new DreamReport
            {
                SessionsMined = 2,
                FailedSessions = 1,
                BaseFailureRate = 0.5,
                Findings =
                [
                    new DreamFinding
                    {
                        Kind = "tool_error",
                        Pattern = "tool_error",
                        Tool = "refund",
                        Signature = "refund: 404 <not found>",
                        Sessions = 2,
                        FailedSessions = 1,
                        Lift = 1.5,
                        Strength = 1.1,
                        Evidence = [new DreamFindingEvidence("s1", true, [4, 7]), new DreamFindingEvidence("s/2", false, [])],
                    },
                ],
                Changes = [new DreamChange { Op = DreamChangeOp.Add, InsightId = "ins-a", Kind = InsightKind.Pitfall, Text = "Check the order status before refunding.", Reason = "tool_error refund (2 sessions)" }],
            },
        });
        return (done, version);
    }
}

using System.Text.Json;

namespace Dreaming.Tests.Dreams.Runs;

public class DreamRunModelTests
{
    [Fact]
    public void A_request_has_the_documented_defaults_and_accepts_instructions_up_to_the_limit()
    {
        var request = new DreamRunRequest { Scope = MemoryScope.Agent("bot"), Instructions = new string('x', 4096) };

        request.Validate();

        Assert.Equal(100, request.MaxSessions);
        Assert.Equal(10, request.MinSessions);
        Assert.Equal(DreamReviewMode.Auto, request.ReviewMode);
    }

    [Fact]
    public void Instructions_over_4096_characters_are_refused_with_their_length_and_the_limit()
    {
        var request = new DreamRunRequest { Scope = MemoryScope.Agent("bot"), Instructions = new string('x', 5000) };

        var error = Assert.Throws<ArgumentException>(request.Validate);

        Assert.Equal("Instructions", error.ParamName);
        Assert.StartsWith("The dream instructions are 5,000 characters long; the limit is 4,096. Shorten them.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1_000_001, 10)]
    [InlineData(100, 0)]
    [InlineData(5, 6)]
    public void Session_limits_out_of_range_are_refused(int maxSessions, int minSessions)
    {
        var request = new DreamRunRequest { Scope = MemoryScope.Global, MaxSessions = maxSessions, MinSessions = minSessions };

        Assert.Throws<ArgumentOutOfRangeException>(request.Validate);
    }

    [Fact]
    public void Run_ids_are_prefixed_and_unique_and_runs_describe_themselves_for_messages()
    {
        var ids = Enumerable.Range(0, 100).Select(_ => DreamRun.NewId()).ToList();
        var run = new DreamRun { Id = "dr-1", Request = new DreamRunRequest { Scope = MemoryScope.Team("billing") }, Status = DreamRunStatus.Canceled };

        Assert.All(ids, id => Assert.StartsWith("dr-", id, StringComparison.Ordinal));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal("'dr-1' (team:billing, canceled)", run.ToString());
        Assert.True(run.IsFinished);
    }

    [Fact]
    public void Total_usage_adds_the_stages()
    {
        var results = new DreamRunResults
        {
            StageUsage =
            [
                new DreamStageUsage("mine", SessionUsage.Zero, TimeSpan.FromSeconds(1)),
                new DreamStageUsage("reflect", new SessionUsage { InputTokens = 10, OutputTokens = 5, ModelCalls = 1 }, TimeSpan.FromSeconds(2)),
                new DreamStageUsage("curate", new SessionUsage { InputTokens = 1, OutputTokens = 1, ModelCalls = 1 }, TimeSpan.Zero),
            ],
        };

        Assert.Equal(new SessionUsage { InputTokens = 11, OutputTokens = 6, ModelCalls = 2 }, results.TotalUsage);
    }

    [Fact]
    public void A_run_serialises_to_json_and_back()
    {
        var run = new DreamRun
        {
            Id = "dr-1",
            Request = new DreamRunRequest { Scope = MemoryScope.Agent("bot"), Instructions = "focus" },
            Status = DreamRunStatus.Completed,
            Results = new DreamRunResults
            {
                Cursor = new DreamCursor(DateTimeOffset.UnixEpoch, "s1"),
                Report = new DreamReport { Changes = [new DreamChange { Op = DreamChangeOp.Retire, InsightId = "ins-1", Text = "t", Reason = "harmful" }] },
            },
        };

        var copy = JsonSerializer.Deserialize<DreamRun>(JsonSerializer.Serialize(run))!;

        Assert.Equal(run.Request, copy.Request);
        Assert.Equal(run.Results.Cursor, copy.Results.Cursor);
        Assert.Equal(run.Results.Report.Changes, copy.Results.Report.Changes);
        Assert.Contains("\"Scope\":\"agent:bot\"", JsonSerializer.Serialize(run), StringComparison.Ordinal);
    }

    [Fact]
    public void A_mining_report_becomes_a_dream_report_with_every_finding_field()
    {
        var finding = new Finding
        {
            Kind = FindingKinds.ToolError,
            Pattern = FindingKinds.ToolError,
            Tool = "refund",
            Signature = "order <id> not found",
            Sessions = 8,
            FailedSessions = 6,
            FailureRate = 0.75,
            Lift = 1.5,
            FailureRateLowerBound = 0.41,
            PValue = 0.02,
            Strength = 0.82,
            Occurrences = 11,
            WastedCalls = 9,
            WastedTokens = 1200,
            Example = "order 42 not found",
            Evidence = [new FindingEvidence("s1", true, [4, 7])],
        };
        var mining = new MiningReport
        {
            SessionsRead = 20,
            SessionsMined = 16,
            SessionsWithoutOutcome = 4,
            SessionsWithUnknownLabel = 0,
            FailedSessions = 8,
            BaseFailureRate = 0.5,
            PatternsCounted = 3,
            PatternOccurrencesNotCounted = 0,
            Findings = [finding],
        };

        var report = mining.ToDreamReport();

        Assert.Equal((16L, 8L, 0.5), (report.SessionsMined, report.FailedSessions, report.BaseFailureRate));
        Assert.Empty(report.Changes);
        var copied = Assert.Single(report.Findings);
        Assert.Equal(
            (finding.Kind, finding.Pattern, finding.Tool, finding.Signature, finding.Sessions, finding.FailedSessions, finding.FailureRate, finding.Lift),
            (copied.Kind, copied.Pattern, copied.Tool, copied.Signature, copied.Sessions, copied.FailedSessions, copied.FailureRate, copied.Lift));
        Assert.Equal(
            (finding.FailureRateLowerBound, finding.PValue, finding.Strength, finding.Occurrences, finding.WastedCalls, finding.WastedTokens, finding.Example),
            (copied.FailureRateLowerBound, copied.PValue, copied.Strength, copied.Occurrences, copied.WastedCalls, copied.WastedTokens, copied.Example));
        var evidence = Assert.Single(copied.Evidence);
        Assert.Equal(("s1", true), (evidence.SessionId, evidence.Failed));
        Assert.Equal([4L, 7L], evidence.EventSequences);
    }
}

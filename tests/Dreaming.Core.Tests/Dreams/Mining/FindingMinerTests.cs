namespace Dreaming.Core.Tests.Dreams.Mining;

public sealed class FindingMinerTests
{
    private const string Timeout = "Error: timeout after 30s calling order 12345";
    private const string RateLimited = "Error: rate limited, retry in 2s";

    // 10 sessions, 4 failed: base rate 0.4. The timeout occurs in f1-f4 and s1 (5 sessions, 4 failed); the rate limit in f1, s2-s4.
    private static IEnumerable<MiningSessions> SmallSet() =>
    [
        MiningSessions.Failed("f1").Call("lookup_order", """{"id":1}""", Timeout).Call("lookup_order", """{"id":2}""", "Error: timeout after 31s calling order 777").Call("search", "{}", RateLimited),
        MiningSessions.Failed("f2").Call("lookup_order", "{}", Timeout),
        MiningSessions.Failed("f3").Call("lookup_order", "{}", Timeout),
        MiningSessions.Failed("f4").Call("lookup_order", "{}", "Error: timeout after 5s calling order 9"),
        MiningSessions.Succeeded("s1").Call("lookup_order", "{}", Timeout).Call("lookup_order"),
        MiningSessions.Succeeded("s2").Call("search", "{}", RateLimited).Call("search"),
        MiningSessions.Succeeded("s3").Call("search", "{}", RateLimited).Call("search"),
        MiningSessions.Succeeded("s4").Call("search", "{}", RateLimited).Call("search"),
        MiningSessions.Succeeded("s5").Call("search"),
        MiningSessions.Succeeded("s6").Call("search"),
    ];

    [Fact]
    public async Task Statistics_match_hand_computed_numbers()
    {
        var report = await MiningSessions.MineAsync(SmallSet());

        Assert.Equal((10L, 10L, 4L), (report.SessionsRead, report.SessionsMined, report.FailedSessions));
        Assert.Equal(0.4, report.BaseFailureRate, 12);

        var timeout = Assert.Single(report.Findings, f => f.Tool == "lookup_order" && f.Pattern == FindingKinds.ToolError);
        Assert.Equal(FindingKinds.ToolError, timeout.Kind);
        Assert.Equal("Error: timeout after <num> calling order <num>", timeout.Signature);
        Assert.Equal((5, 4, 6L, 6L), (timeout.Sessions, timeout.FailedSessions, timeout.Occurrences, timeout.WastedCalls));
        Assert.Equal(0.8, timeout.FailureRate, 12);
        Assert.Equal(2.0, timeout.Lift, 12); // 0.8 / 0.4
        Assert.Equal(0.375534629763, timeout.FailureRateLowerBound, 11); // Wilson, z = 1.96, 4 of 5
        Assert.Equal(6.0 / 252, timeout.PValue, 12); // C(4,4)·C(6,1) / C(10,5)
        Assert.Equal(0.375534629763 / 0.4, timeout.Strength, 10);
        Assert.Equal(Timeout, timeout.Example);
        Assert.Equal(["f1", "f2", "f3", "f4", "s1"], timeout.Evidence.Select(e => e.SessionId));

        // 4 sessions, 1 failed: 0.25 is below the base rate, so the error is a cost of 4 wasted calls, shown from successful sessions first.
        var rateLimit = Assert.Single(report.Findings, f => f.Tool == "search");
        Assert.Equal((FindingKinds.EfficiencyCost, FindingKinds.ToolError), (rateLimit.Kind, rateLimit.Pattern));
        Assert.Equal((4, 1, 4L), (rateLimit.Sessions, rateLimit.FailedSessions, rateLimit.WastedCalls));
        Assert.Equal(0.625, rateLimit.Lift, 12);
        Assert.Equal(["s2", "s3", "s4", "f1"], rateLimit.Evidence.Select(e => e.SessionId));
    }

    [Fact]
    public async Task Evidence_points_at_the_call_and_the_failed_result()
    {
        var report = await MiningSessions.MineAsync(SmallSet());

        var timeout = report.Findings.Single(f => f.Tool == "lookup_order" && f.Pattern == FindingKinds.ToolError);
        var first = timeout.Evidence[0];
        Assert.True(first.Failed);
        Assert.Equal([1L, 2L, 3L, 4L], first.EventSequences); // f1: two failing calls, each a call and its result
    }

    [Fact]
    public async Task Errors_are_grouped_by_tool_and_by_signature()
    {
        MiningSessions[] sessions =
        [
            MiningSessions.Failed("a").Call("book", "{}", "Error: not enough seats on flight HAT290").Call("rebook", "{}", "Error: not enough seats on flight HAT001"),
            MiningSessions.Failed("b").Call("book", "{}", "Error: not enough seats on flight HAT139"),
            MiningSessions.Succeeded("c").Call("book", "{}", "Error: gift card balance is not enough"),
        ];

        var report = await MiningSessions.MineAsync(sessions, new MiningOptions { MinSupport = 1 });

        var errors = report.Findings.Where(f => f.Pattern == FindingKinds.ToolError).Select(f => (f.Tool, f.Signature, f.Sessions)).Order().ToList();
        Assert.Equal(
            [
                ("book", "Error: gift card balance is not enough", 1),
                ("book", "Error: not enough seats on flight <id>", 2),
                ("rebook", "Error: not enough seats on flight <id>", 1),
            ],
            errors);
    }

    [Fact]
    public async Task A_frequent_harmless_error_ranks_below_a_rarer_one_that_predicts_failure()
    {
        // 100 sessions, 30 failed. The cache warning is in 60 sessions (18 failed: the base rate); the lock error in 5, all failed.
        var sessions = Enumerable.Range(0, 100).Select(i =>
        {
            var session = i < 30 ? MiningSessions.Failed($"s{i}") : MiningSessions.Succeeded($"s{i}");
            if (i % 5 != 4)
            {
                session.Call("read_cache", "{}", $"Error: cache miss for key user:{i}");
            }

            if (i < 5)
            {
                session.Call("write_file", "{}", $"Error: file /data/out-{i}.csv is locked by another process");
            }

            return session;
        }).ToList();

        var report = await MiningSessions.MineAsync(sessions);

        Assert.Equal(0.3, report.BaseFailureRate, 12);
        var locked = report.Findings[0];
        Assert.Equal((FindingKinds.ToolError, "write_file", "Error: file <path> is locked by another process"), (locked.Kind, locked.Tool, locked.Signature));
        Assert.Equal((5, 5), (locked.Sessions, locked.FailedSessions));

        var cache = report.Findings.Single(f => f.Tool == "read_cache");
        Assert.Equal(FindingKinds.EfficiencyCost, cache.Kind);
        Assert.Equal((80, 24, 80L), (cache.Sessions, cache.FailedSessions, cache.WastedCalls));
        Assert.True(cache.Sessions > locked.Sessions * 10);
        Assert.True(report.Findings.ToList().IndexOf(cache) > 0);
    }

    [Fact]
    public async Task Failure_and_success_come_from_the_outcome_label_and_the_status()
    {
        MiningSessions[] sessions =
        [
            MiningSessions.Labelled("a", "failure"),
            MiningSessions.Labelled("b", "failed"),
            MiningSessions.Labelled("c", "max_iterations_reached"),
            MiningSessions.Labelled("d", "interrupted"),
            MiningSessions.Labelled("e", "success").WithStatus(SessionStatus.Failed),
            MiningSessions.Labelled("f", "needs_revision").WithStatus(SessionStatus.Blocked),
            MiningSessions.Labelled("g", "success"),
            MiningSessions.Labelled("h", "satisfied"),
            MiningSessions.Labelled("i", "needs_revision"),
            MiningSessions.Labelled("j", "partial"),
            MiningSessions.WithoutOutcome("k").Call("x", "{}", "Error: boom"),
            MiningSessions.WithoutOutcome("l").WithStatus(SessionStatus.Failed),
        ];

        var report = await MiningSessions.MineAsync(sessions);

        Assert.Equal((12L, 8L, 6L), (report.SessionsRead, report.SessionsMined, report.FailedSessions));
        Assert.Equal((2L, 2L), (report.SessionsWithoutOutcome, report.SessionsWithUnknownLabel));
        Assert.Equal(0.75, report.BaseFailureRate, 12);
        Assert.DoesNotContain(report.Findings, f => f.Pattern == FindingKinds.ToolError);
    }

    [Fact]
    public async Task An_empty_stream_gives_an_empty_report()
    {
        var report = await MiningSessions.MineAsync([]);

        Assert.Equal((0L, 0L, 0.0), (report.SessionsRead, report.SessionsMined, report.BaseFailureRate));
        Assert.Empty(report.Findings);
    }

    [Fact]
    public async Task The_exception_message_and_type_sign_an_error_over_the_text_shown_to_the_model()
    {
        var sessions = Enumerable.Range(0, 3).Select(i => MiningSessions.Failed($"f{i}")
            .CallOnly("c1", "charge")
            .Result("c1", "Error: Function failed.", "TimeoutException", $"The operation timed out after {i + 10} seconds."))
            .Append(MiningSessions.Succeeded("s"));

        var report = await MiningSessions.MineAsync(sessions);

        var finding = Assert.Single(report.Findings, f => f.Pattern == FindingKinds.ToolError);
        Assert.Equal(("charge", "TimeoutException: The operation timed out after <num> seconds."), (finding.Tool, finding.Signature));
        Assert.Equal("The operation timed out after 10 seconds.", finding.Example);
    }

    [Fact]
    public async Task Examples_are_truncated()
    {
        var longError = "Error: " + new string('z', 1000);
        var sessions = Enumerable.Range(0, 3).Select(i => MiningSessions.Failed($"f{i}").Call("t", "{}", longError)).Append(MiningSessions.Succeeded("s"));
        var report = await MiningSessions.MineAsync(sessions);

        var example = report.Findings.Single(f => f.Pattern == FindingKinds.ToolError).Example!;
        Assert.Equal(300, example.Length);
        Assert.EndsWith("…", example, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Examples_and_signatures_are_truncated_without_cutting_a_character_in_half()
    {
        // An emoji (a surrogate pair) right at each cut: the signature keeps 239 characters, the example 299. Half a pair
        // went into the lesson text and the memory version, which the SQLite store then kept as U+FFFD.
        var error = "Error: " + new string('z', 231) + "\U0001F600" + new string('z', 58) + "\U0001F600" + new string('z', 100);
        var sessions = Enumerable.Range(0, 3).Select(i => MiningSessions.Failed($"f{i}").Call("t", "{}", error)).Append(MiningSessions.Succeeded("s"));
        var report = await MiningSessions.MineAsync(sessions);

        var finding = report.Findings.Single(f => f.Pattern == FindingKinds.ToolError);
        var strict = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        Assert.Equal("Error: " + new string('z', 231) + "…", finding.Signature);
        Assert.Equal(error[..298] + "…", finding.Example);
        _ = strict.GetByteCount(finding.Signature!);
        _ = strict.GetByteCount(finding.Example!);
    }

    [Fact]
    public async Task Cancellation_stops_the_mining()
    {
        using var cancellation = new CancellationTokenSource();
        var sessions = Endless(cancellation);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new FindingMiner().MineAsync(sessions, cancellationToken: cancellation.Token));
    }

    [Fact]
    public async Task A_null_session_in_the_stream_is_rejected()
    {
        var exception = await Assert.ThrowsAsync<ArgumentException>(() => new FindingMiner().MineAsync(MiningSessions.Stream([null!])));
        Assert.Equal("sessions", exception.ParamName);
    }

    [Fact]
    public async Task Elapsed_time_comes_from_the_clock()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var report = await new FindingMiner(clock).MineAsync(Advance(clock));

        Assert.Equal(TimeSpan.FromSeconds(3), report.Elapsed);
    }

    private static async IAsyncEnumerable<SessionWithEvents> Endless(CancellationTokenSource cancellation)
    {
        for (var i = 0; ; i++)
        {
            if (i == 1000)
            {
                await cancellation.CancelAsync();
            }

            await Task.Yield();
            yield return MiningSessions.Failed($"s{i}").Call("t", "{}", "Error: x").Build();
        }
    }

    private static async IAsyncEnumerable<SessionWithEvents> Advance(Microsoft.Extensions.Time.Testing.FakeTimeProvider clock)
    {
        for (var i = 0; i < 3; i++)
        {
            await Task.Yield();
            clock.Advance(TimeSpan.FromSeconds(1));
            yield return MiningSessions.Succeeded($"s{i}").Build();
        }
    }
}

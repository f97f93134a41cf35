using System.Diagnostics;
using Dreaming.Tests;
using Microsoft.Extensions.AI;

namespace Dreaming.Core.Tests.Dreams.Privacy;

/// <summary>Second reading of the reflector's masking and of <see cref="MiningOptions.MinScopes"/>.</summary>
public sealed class PrivacyReviewTests
{
    [Fact]
    public void Thousands_of_whole_values_sharing_a_first_word_are_read_in_linear_time()
    {
        // A search tool returns twenty short descriptions a session, all starting with "the": 20,000 whole values.
        var sessions = Enumerable.Range(0, 1000)
            .Select(i => WithResult($"w{i}", "[" + string.Join(",", Enumerable.Range(0, 20).Select(j => $"\"the {Word(i)} {Word(j + 7)} shelf\"")) + "]"))
            .ToList();
        var watch = Stopwatch.StartNew();

        var values = SessionValues.ForText(sessions);
        var masked = values.MaskText($"Check the {Word(500)} {Word(12)} shelf before a refund.", out var count);

        // Was 18.5 s on a loaded 2-core machine (a search and a sort of the list per value); now well under a second.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.Equal(("Check <value> before a refund.", 1), (masked, count));
    }

    private static string Word(int n)
    {
        var chars = new char[5];
        for (var k = 0; k < 5; k++, n /= 26)
        {
            chars[k] = (char)('a' + (n % 26));
        }

        return new string(chars);
    }

    private static SessionWithEvents WithResult(string id, string result)
    {
        var time = new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
        List<SessionEvent> events =
        [
            new ToolCallEvent { CallId = "s", ToolName = "search", Arguments = "{}" },
            new ToolResultEvent { CallId = "s", ToolName = "search", Result = result },
        ];
        return new SessionWithEvents(
            new SessionRecord { Id = id, AgentId = "bot", Task = "Find", Status = SessionStatus.Completed, StartedAt = time, EndedAt = time.AddSeconds(1), Outcome = SessionOutcome.Failed() },
            events.Select((e, n) => e with { SessionId = id, Sequence = n + 1, Timestamp = time }).ToList());
    }
}

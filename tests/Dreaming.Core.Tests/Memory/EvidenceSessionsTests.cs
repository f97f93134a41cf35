namespace Dreaming.Tests;

/// <summary>The sessions of an insight's evidence are counted each once, on either side of the length where the count
/// goes through the set kept per thread, and one count does not carry into the next.</summary>
public sealed class EvidenceSessionsTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(3, 1)]
    [InlineData(16, 2)]
    [InlineData(16, 16)]
    [InlineData(17, 2)]
    [InlineData(17, 17)]
    [InlineData(300, 7)]
    [InlineData(2_000, 2_000)]
    public void Each_session_is_counted_once_however_many_entries_name_it(int entries, int sessions) =>
        Assert.Equal(Math.Min(entries, sessions), EvidenceSessions.Count(Evidence(entries, sessions, "s")));

    [Fact]
    public void A_count_does_not_carry_the_sessions_of_the_one_before()
    {
        // Longer lists go through the set kept per thread: what one count put in it must be gone for the next, including
        // after a list too long for the set to be kept.
        Assert.Equal(20, EvidenceSessions.Count(Evidence(40, 20, "a")));
        Assert.Equal(20, EvidenceSessions.Count(Evidence(40, 20, "b")));
        Assert.Equal(2_000, EvidenceSessions.Count(Evidence(2_000, 2_000, "c")));
        Assert.Equal(3, EvidenceSessions.Count(Evidence(30, 3, "d")));
        Assert.Equal(3, EvidenceSessions.Count(Evidence(30, 3, "e")));
    }

    // Entries naming the sessions prefix-0 .. prefix-(sessions - 1) in turn, each at a different event.
    private static InsightEvidence[] Evidence(int entries, int sessions, string prefix) =>
        [.. Enumerable.Range(0, entries).Select(i => new InsightEvidence($"{prefix}-{i % sessions}", i))];
}

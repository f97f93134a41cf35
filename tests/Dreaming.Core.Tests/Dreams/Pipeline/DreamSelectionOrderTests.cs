namespace Dreaming.Tests;

/// <summary>The heap a dream's selection keeps while it walks the scope picks the same sessions, in the same order, as
/// sorting every candidate and taking <see cref="DreamRunRequest.MaxSessions"/>: ends that tie to the millisecond (and
/// differ below it) are ordered by id, and a finished session with no end comes first.</summary>
public class DreamSelectionOrderTests
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 7)]
    [InlineData(3, 50)]
    [InlineData(4, 299)]
    [InlineData(5, 300)]
    [InlineData(6, 1000)]
    public async Task The_selection_is_the_first_candidates_by_end_then_id_whatever_the_ties(int seed, int maxSessions)
    {
        var random = new Random(seed);
        var store = new InMemoryTraceStore();
        var sessions = Enumerable.Range(0, 300).Select(i =>
        {
            var id = "s" + random.Next(100_000).ToString("D5", System.Globalization.CultureInfo.InvariantCulture) + "-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var ended = random.Next(20) == 0 ? (DateTimeOffset?)null : s_start.AddMilliseconds(random.Next(40)).AddTicks(random.Next(10_000));
            return new SessionWithEvents(
                new SessionRecord
                {
                    Id = id,
                    AgentId = "bot",
                    Task = "t",
                    Status = random.Next(10) == 0 ? SessionStatus.Abandoned : SessionStatus.Completed,
                    StartedAt = s_start.AddMinutes(-random.Next(5)),
                    EndedAt = ended,
                    Outcome = random.Next(4) switch { 0 => null, 1 => SessionOutcome.Failed(), _ => SessionOutcome.Succeeded() },
                },
                [new NoteEvent { SessionId = id, Sequence = 1, Timestamp = s_start, Text = "n" }]);
        }).ToList();
        await store.ImportAsync(sessions);
        var cursor = seed % 2 == 0 ? new DreamCursor(s_start.AddMilliseconds(10), "s5") : null;
        var request = new DreamRunRequest { Scope = MemoryScope.Agent("bot"), MaxSessions = maxSessions };

        var selected = await DreamSessionSelector.SelectAsync(store, request, cursor, history: null, CancellationToken.None);

        var stored = (await store.QuerySessionsAsync(new SessionQuery { PageSize = SessionQuery.MaxPageSize })).Items;
        var expected = stored
            .Where(s => DreamSessionSelector.IsCandidate(s, cursor, history: null))
            .OrderBy(s => s.EndedAt?.ToUnixTimeMilliseconds())
            .ThenBy(s => s.Id, StringComparer.Ordinal)
            .Take(maxSessions)
            .Select(s => s.Id)
            .ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, selected.Select(s => s.Session.Id));
    }
}

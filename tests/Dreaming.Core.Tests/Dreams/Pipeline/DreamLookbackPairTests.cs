using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

/// <summary>With a <see cref="DreamRunRequest.Lookback"/>, the reflector's pairs of similar tasks need a new session, as
/// findings do: two sessions earlier dreams already read are never paired again.</summary>
public class DreamLookbackPairTests
{
    private static readonly DateTimeOffset s_night1 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");

    [Fact]
    public async Task Two_earlier_sessions_are_never_paired_but_an_earlier_one_pairs_with_a_new_one()
    {
        // Night 1: a failed and a passed refund of the blue kettle, read by a first dream.
        var clock = new FakeTimeProvider(s_night1);
        var traces = new InMemoryTraceStore();
        var runs = new InMemoryDreamRunStore(clock);
        await traces.ImportAsync([
            Session("old-00", fails: true, "Refund order 17 for the blue kettle", s_night1),
            Session("old-01", fails: false, "Refund order 18 for the blue kettle", s_night1.AddMinutes(1)),
            .. Enumerable.Range(2, 8).Select(i => Session($"old-{i:D2}", fails: false, "Track the parcel", s_night1.AddMinutes(i))),
        ]);
        clock.SetUtcNow(s_night1.AddHours(1));
        var prompts = new List<string>();
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(), runs, clock, reflector: new ModelReflector(Model(prompts)));
        var first = await dreams.DreamAsync(new DreamRunRequest { Scope = Bot });
        Assert.Equal(DreamRunStatus.Completed, first.Status);
        Assert.Contains(prompts, p => p.Contains("old-00 failed, old-01 passed", StringComparison.Ordinal));

        // Night 2: nothing new is like the kettle refunds, so no pair has a new session: none is reflected on again.
        await traces.ImportAsync([.. Enumerable.Range(0, 10).Select(i => Session($"new-{i:D2}", fails: false, "Track the parcel", s_night1.AddDays(1).AddMinutes(i)))]);
        clock.SetUtcNow(s_night1.AddDays(1).AddHours(1));
        prompts.Clear();
        var second = await dreams.DreamAsync(new DreamRunRequest { Scope = Bot, Lookback = TimeSpan.FromDays(7) });
        Assert.Equal(DreamRunStatus.Completed, second.Status);
        Assert.DoesNotContain(prompts, p => p.Contains("Pair 0", StringComparison.Ordinal));

        // Night 3: a new passed kettle refund pairs with the old failed one.
        await traces.ImportAsync([
            Session("third-00", fails: false, "Refund order 19 for the blue kettle", s_night1.AddDays(2)),
            .. Enumerable.Range(1, 9).Select(i => Session($"third-{i:D2}", fails: false, "Track the parcel", s_night1.AddDays(2).AddMinutes(i))),
        ]);
        clock.SetUtcNow(s_night1.AddDays(2).AddHours(1));
        prompts.Clear();
        var third = await dreams.DreamAsync(new DreamRunRequest { Scope = Bot, Lookback = TimeSpan.FromDays(7) });
        Assert.Equal(DreamRunStatus.Completed, third.Status);
        Assert.Contains(prompts, p => p.Contains("old-00 failed, third-00 passed", StringComparison.Ordinal));
    }

    private static SessionWithEvents Session(string id, bool fails, string task, DateTimeOffset start)
    {
        var session = DreamTestData.RefundSession(id, fails, "bot", start);
        return session with { Session = session.Session with { Task = task } };
    }

    private static FakeChatClient Model(List<string> prompts) => new()
    {
        GetResponseAsyncCallback = (messages, _, _) =>
        {
            lock (prompts)
            {
                prompts.Add(string.Join("\n", messages.Select(m => m.Text)));
            }

            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"lessons": []}""")));
        },
    };
}

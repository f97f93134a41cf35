using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

public class TaskPairCancellationTests
{
    [Fact]
    public void Finding_pairs_stops_at_the_next_session_when_cancelled()
    {
        using var cancel = new CancellationTokenSource();
        var read = 0;
        IEnumerable<SessionWithEvents> Sessions()
        {
            // Bounded, so a search that ignored the token would fail the test rather than hang it.
            for (var i = 0; i < 1000; i++)
            {
                read++;
                cancel.Cancel();
                yield return Session($"s{i}", "Change the flight of reservation ABC to Friday", fails: i % 2 == 0);
            }
        }

        Assert.ThrowsAny<OperationCanceledException>(() => TaskPair.Find(Sessions(), 3, 0.3, 500, cancel.Token));
        Assert.Equal(1, read);
        Assert.ThrowsAny<OperationCanceledException>(() => TaskPair.Find([Session("f", "Refund", true)], 3, 0.3, 500, new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task A_reflector_cancelled_during_its_findings_call_does_not_pair_the_sessions()
    {
        using var cancel = new CancellationTokenSource();
        var sessions = new CountingSessions(Enumerable.Range(0, 400)
            .Select(i => Session($"s{i:D3}", $"Change the flight of reservation {i} to Friday", fails: i % 2 == 0))
            .ToDictionary(s => s.Session.Id, StringComparer.Ordinal));
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) =>
            {
                // The dream is cancelled while the model answers; its answer still comes back.
                cancel.Cancel();
                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"lessons":[]}""")));
            },
        };
        var request = new ReflectionRequest
        {
            Findings = [DreamTestData.ToolErrorFinding("update_flight", "Error: payment amount does not add up", "s000")],
            BaseFailureRate = 0.5,
            Sessions = sessions,
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new ModelReflector(model).ReflectAsync(request, cancel.Token).WaitAsync(TimeSpan.FromSeconds(30)));

        // Before, the 400 sessions were read and their tasks compared before the next model call noticed.
        Assert.Equal(0, sessions.ValuesRead);
    }

    private static SessionWithEvents Session(string id, string task, bool fails)
    {
        var time = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        return new SessionWithEvents(
            new SessionRecord { Id = id, AgentId = "bot", Task = task, Status = fails ? SessionStatus.Failed : SessionStatus.Completed, StartedAt = time, EndedAt = time.AddSeconds(1), Outcome = fails ? SessionOutcome.Failed() : SessionOutcome.Succeeded() },
            [new ToolResultEvent { SessionId = id, Sequence = 1, Timestamp = time, CallId = "c", ToolName = "update_flight", IsError = fails, Result = fails ? "Error: payment amount does not add up" : "ok" }]);
    }

    private sealed class CountingSessions(Dictionary<string, SessionWithEvents> inner) : IReadOnlyDictionary<string, SessionWithEvents>
    {
        public int ValuesRead;

        public IEnumerable<string> Keys => inner.Keys;

        public IEnumerable<SessionWithEvents> Values
        {
            get
            {
                foreach (var value in inner.Values)
                {
                    ValuesRead++;
                    yield return value;
                }
            }
        }

        public int Count => inner.Count;

        public SessionWithEvents this[string key] => inner[key];

        public bool ContainsKey(string key) => inner.ContainsKey(key);

        public bool TryGetValue(string key, [MaybeNullWhen(false)] out SessionWithEvents value) => inner.TryGetValue(key, out value);

        public IEnumerator<KeyValuePair<string, SessionWithEvents>> GetEnumerator() => inner.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

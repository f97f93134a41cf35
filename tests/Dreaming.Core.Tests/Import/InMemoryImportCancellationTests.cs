using System.Collections;

namespace Dreaming.Tests;

public class InMemoryImportCancellationTests
{
    private static readonly DateTimeOffset s_time = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task An_import_cancelled_while_its_sessions_are_copied_stops_and_keeps_none()
    {
        // Reading the first session's events cancels the import; before, all 1,000 were copied and added.
        using var cancel = new CancellationTokenSource();
        var copied = new HashSet<string>(StringComparer.Ordinal);
        var sessions = Enumerable.Range(0, 1000)
            .Select(i => Session($"s{i:D4}", events: 3))
            .Select(s => s with { Events = new CancellingList<SessionEvent>(s.Events, cancel, () => copied.Add(s.Session.Id)) })
            .ToList();
        var store = new InMemoryTraceStore();

        var import = store.ImportAsync(sessions, cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => import.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(import.IsCanceled);
        Assert.Equal(["s0000"], copied);
        Assert.Empty((await store.QuerySessionsAsync(new SessionQuery())).Items);
    }

    [Fact]
    public async Task An_import_cancelled_while_a_long_session_is_copied_stops_within_1024_events()
    {
        using var cancel = new CancellationTokenSource();
        var session = Session("long", events: 100_000);
        var events = new CancellingList<SessionEvent>(session.Events, cancel, () => { });
        var store = new InMemoryTraceStore();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.ImportAsync([session with { Events = events }], cancel.Token).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.InRange(events.Read, 1, 1024);
        Assert.Null(await store.GetSessionAsync("long"));
    }

    private static SessionWithEvents Session(string id, int events) => new(
        new SessionRecord { Id = id, AgentId = "bot", Task = "Refund", Status = SessionStatus.Completed, StartedAt = s_time, EndedAt = s_time.AddSeconds(1) },
        Enumerable.Range(1, events).Select(n => (SessionEvent)new NoteEvent { SessionId = id, Sequence = n, Timestamp = s_time, Text = "n" }).ToList());

    /// <summary>A list that cancels the import when its first item is read, and counts the items read.</summary>
    private sealed class CancellingList<T>(IReadOnlyList<T> inner, CancellationTokenSource cancel, Action read) : IReadOnlyList<T>
    {
        public int Read { get; private set; }

        public int Count => inner.Count;

        public T this[int index] => Next(inner[index]);

        public IEnumerator<T> GetEnumerator()
        {
            foreach (var item in inner)
            {
                yield return Next(item);
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        private T Next(T item)
        {
            Read++;
            read();
            cancel.Cancel();
            return item;
        }
    }
}

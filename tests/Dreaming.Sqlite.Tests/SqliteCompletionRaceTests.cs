using Dreaming.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Sqlite.Tests;

/// <summary>A <c>RecordAsync</c> racing a <c>CompleteAsync</c> on another thread, on a SQLite file: the event is stored
/// before the session's end or refused with <see cref="SessionStateException"/>, never acknowledged and then lost.</summary>
public sealed class SqliteCompletionRaceTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task An_event_past_the_state_check_when_another_thread_completes_is_in_the_file_before_the_end()
    {
        var file = _folder.File("race.db");
        using var clock = new PausingClock();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddDreamingAgents().UseSqliteStore(file);
        string id;
        Exception? refused;
        // Disposed bounded rather than with await using: a recording left counted as in flight would hold the
        // completion, and the writer's disposal behind it, for ever; the test fails naming what did not finish instead.
        var provider = services.BuildServiceProvider();
        try
        {
            var session = provider.GetRequiredService<IAgentSessionFactory>().StartSession("agent", "race");
            id = session.Id;
            await session.RecordAsync(new NoteEvent { Text = "before" });

            // Held after RecordAsync's check that the session is running, before its event is queued (it stamps the time).
            var recording = Task.Run(async () =>
            {
                clock.PauseHere();
                await session.RecordAsync(new NoteEvent { Text = "racing" });
            });
            await clock.Reached.WaitAsync(TimeSpan.FromSeconds(10));
            var completing = Task.Run(() => session.CompleteAsync());

            // Before the fix the completion flushed and ended the session here, and the event was queued after its end.
            await Task.WhenAny(completing, Task.Delay(TimeSpan.FromSeconds(2)));
            clock.Release();
            refused = await Record.ExceptionAsync(() => recording);
            await completing.WithinAsync("the completion");
            Assert.Equal(0, session.DroppedEventCount);
            await session.DisposeAsync().WithinAsync("the session's disposal");
        }
        finally
        {
            await provider.DisposeAsync().WithinAsync("disposing the provider (and its trace writer)");
        }

        // Read back from the file once the writer has drained and closed it.
        using var store = new SqliteTraceStore(new SqliteTraceStoreOptions { ConnectionString = file });
        var stored = await store.GetSessionAsync(id);
        Assert.Equal(SessionStatus.Completed, stored!.Status);
        Assert.Equal(0, stored.DroppedEventCount);
        var texts = (await store.GetEventsAsync(id)).Cast<NoteEvent>().Select(e => e.Text).ToArray();
        if (refused is null)
        {
            Assert.Equal(["before", "racing"], texts);
        }
        else
        {
            Assert.Contains(id, Assert.IsType<SessionStateException>(refused).Message, StringComparison.Ordinal);
            Assert.Equal(["before"], texts);
        }
    }
}

using Xunit.Abstractions;

namespace Dreaming.PostgreSql.Tests;

/// <summary>The read a session start makes of each scope's memory: one round trip, and never a version's header with
/// another version's insights while versions are activated at the same moment by another instance.</summary>
public sealed class PostgresActiveVersionReadTests(ITestOutputHelper output) : PostgresStoreFixture
{
    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");

    [Fact]
    public async Task A_version_activated_while_the_active_one_is_read_is_never_mixed_with_it()
    {
        await using var writer = new PostgresMemoryStore(Options);
        await using var reader = new PostgresMemoryStore(Options);

        // Versions of 1 to 6 insights, each insight's text naming its version's note, so a mix shows.
        var versions = new List<MemoryVersion>();
        string? parent = null;
        for (var k = 0; k < 6; k++)
        {
            var proposal = Proposal(Bot, parent, MemoryAuthor.Person("alice"), [.. Enumerable.Range(0, k + 1).Select(i => $"i{i}")]) with { Note = "v" + k };
            proposal = proposal with { Insights = [.. proposal.Insights.Select(insight => insight with { Text = "lesson of v" + k })] };
            var version = await writer.ProposeAsync(proposal);
            parent = (await writer.ApproveAsync(version.Id, MemoryAuthor.Person("alice"))).Id;
            versions.Add(version);
        }

        // Activations and reads run together for at least 3 s, and on until there were 20 activations and the reads saw 5
        // of them: a loaded machine makes fewer of each in 3 s (19 activations were seen once). Without them after 2 minutes
        // the race was not run, which fails below.
        var least = TimeSpan.FromSeconds(3);
        var running = System.Diagnostics.Stopwatch.StartNew();
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var enough = 0;
        var activations = 0;
        var activating = Task.Run(async () =>
        {
            // Another instance rolls back to each earlier version in turn: a new active version each time.
            while (Volatile.Read(ref enough) == 0 && !giveUp.IsCancellationRequested)
            {
                await writer.RollbackAsync(versions[activations % versions.Count].Id, MemoryAuthor.Person("bob"));
                Interlocked.Increment(ref activations);
            }
        });

        var reads = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while (!activating.IsCompleted)
            {
                var active = (await reader.GetActiveVersionAsync(Bot))!;
                var note = active.Note ?? versions.Single(v => v.Id == active.RestoredFromVersionId).Note;
                Assert.Equal(MemoryVersionState.Active, active.State);
                Assert.Equal(int.Parse(note![1..], System.Globalization.CultureInfo.InvariantCulture) + 1, active.Insights.Count);
                Assert.All(active.Insights, insight => Assert.Equal("lesson of " + note, insight.Text));
                seen.Add(active.Id);
                reads++;
                if (running.Elapsed >= least && Volatile.Read(ref activations) >= 20 && seen.Count >= 5)
                {
                    Volatile.Write(ref enough, 1);
                }
            }
        }
        finally
        {
            // A read that failed stops the activations too.
            Volatile.Write(ref enough, 1);
        }

        await activating;
        output.WriteLine($"{activations} activations, {seen.Count} of them seen in {reads} reads, in {running.Elapsed}");
        Assert.True(activations >= 20, $"only {activations} activations in {running.Elapsed}");
        Assert.True(seen.Count >= 5, $"the reads saw only {seen.Count} of {activations} active versions in {reads} reads in {running.Elapsed}");
    }

    [Fact]
    public async Task The_active_version_is_read_in_one_round_trip()
    {
        await using var store = new PostgresMemoryStore(Options);
        var version = await store.ProposeAsync(Proposal(Bot, null, MemoryAuthor.Person("alice"), "i1", "i2", "i3"));
        await store.ApproveAsync(version.Id, MemoryAuthor.Person("alice"));

        var (active, commands) = await NpgsqlCommands.OfAsync(() => store.GetActiveVersionAsync(Bot));
        var (none, noneCommands) = await NpgsqlCommands.OfAsync(() => store.GetActiveVersionAsync(MemoryScope.Agent("nobody")));

        Assert.Equal(["i1", "i2", "i3"], active!.Insights.Select(i => i.Id));
        Assert.Equal(version.Id, active.Id);
        Assert.Single(commands);
        Assert.Null(none);
        Assert.Single(noneCommands);
    }

    [Fact]
    public async Task A_rollback_reads_the_active_version_with_its_insights_in_one_statement()
    {
        // The rollback read the active version's header, then its insights by a second statement: one more round trip
        // while it holds the scope's lock.
        await using var store = new PostgresMemoryStore(Options);
        var first = await store.ProposeAsync(Proposal(Bot, null, MemoryAuthor.Person("alice"), "i1"));
        await store.ApproveAsync(first.Id, MemoryAuthor.Person("alice"));
        var second = await store.ProposeAsync(Proposal(Bot, first.Id, MemoryAuthor.Person("alice"), "i1", "i2"));
        await store.ApproveAsync(second.Id, MemoryAuthor.Person("alice"));

        var (restored, commands) = await NpgsqlCommands.OfAsync(() => store.RollbackAsync(first.Id, MemoryAuthor.Person("bob")));

        Assert.Equal((first.Id, MemoryVersionState.Active, 1), (restored.RestoredFromVersionId, restored.State, restored.Insights.Count));
        Assert.Equal(MemoryVersionState.Superseded, (await store.GetVersionAsync(second.Id))!.State);
        // The read of the active version (its columns prefixed v.; the rollback's insert finds its parent by a subquery).
        var active = Assert.Single(commands, c => c.Contains("v.state = 'active'", StringComparison.Ordinal) && c.Contains("SELECT", StringComparison.Ordinal));
        Assert.Contains("memory_insights", active, StringComparison.Ordinal);
        // No read of insights by a statement of its own (the copy of the restored version's insights is an INSERT).
        Assert.DoesNotContain(commands.SelectMany(c => c.Split(";\n")), s => !s.Contains("INSERT INTO memory_insights", StringComparison.Ordinal) && s.Contains("FROM memory_insights WHERE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unchanged_active_version_is_not_sent_again_and_a_new_one_is_read_at_once()
    {
        // Every session start reads its agent's active memory: the same version, 200 insights, again and again.
        await using var store = new PostgresMemoryStore(Options);
        await using var other = new PostgresMemoryStore(Options);
        var ids = Enumerable.Range(0, 200).Select(i => $"i{i:D3}").ToArray();
        var first = await store.ProposeAsync(Proposal(Bot, null, MemoryAuthor.Person("alice"), ids));
        await store.ApproveAsync(first.Id, MemoryAuthor.Person("alice"));

        var (read, readBytes) = await BytesReadAsync(() => store.GetActiveVersionAsync(Bot));
        var (again, againBytes) = await BytesReadAsync(() => store.GetActiveVersionAsync(Bot));

        output.WriteLine($"bytes received: first read {readBytes}, the same version again {againBytes}");
        Assert.Equal(200, read!.Insights.Count);
        Assert.Equal(read.ToSummary(), again!.ToSummary());
        Assert.Equal(read.Insights.Select(i => (i.Id, i.Text)), again.Insights.Select(i => (i.Id, i.Text)));
        Assert.InRange(againBytes, 1, readBytes / 20);

        // Another instance activates a new version: the next read has it, whole.
        var second = await other.ProposeAsync(Proposal(Bot, first.Id, MemoryAuthor.Person("bob"), [.. ids, "new"]));
        await other.ApproveAsync(second.Id, MemoryAuthor.Person("bob"));
        var (changed, changedBytes) = await BytesReadAsync(() => store.GetActiveVersionAsync(Bot));
        Assert.Equal((second.Id, 201), (changed!.Id, changed.Insights.Count));
        Assert.InRange(changedBytes, readBytes, 2 * readBytes);
        Assert.Equal(MemoryVersionState.Superseded, (await store.GetVersionAsync(first.Id))!.State);
        output.WriteLine($"bytes received: a new version {changedBytes}");
    }

    [Fact]
    public async Task A_long_note_is_read_once_however_many_insights_the_version_has()
    {
        // A person's note (or a rejection's reason) has no length limit: a 100 KB one on a version of 200 insights. Each
        // row of the read holds the version's columns; sent on every row, the note would be 20 MB a session start.
        await using var store = new PostgresMemoryStore(Options);
        var note = new string('n', 100_000);
        var ids = Enumerable.Range(0, 200).Select(i => $"i{i:D3}").ToArray();
        var version = await store.ProposeAsync(Proposal(Bot, null, MemoryAuthor.Person("alice"), ids) with { Note = note });
        await store.ApproveAsync(version.Id, MemoryAuthor.Person("alice"));
        var rejected = await store.ProposeAsync(Proposal(Bot, version.Id, MemoryAuthor.Person("alice"), ids));
        await store.RejectAsync(rejected.Id, MemoryAuthor.Person("bob"), note);

        var (active, activeBytes) = await BytesReadAsync(() => store.GetActiveVersionAsync(Bot));
        var (read, readBytes) = await BytesReadAsync(() => store.GetVersionAsync(rejected.Id));

        Assert.Equal(note, active!.Note);
        Assert.Equal(ids, active.Insights.Select(i => i.Id));
        Assert.Equal(note, read!.ReviewNote);
        Assert.Equal(ids, read.Insights.Select(i => i.Id));
        Assert.InRange(activeBytes, note.Length, 3 * note.Length);
        Assert.InRange(readBytes, note.Length, 3 * note.Length);
    }

    [Fact]
    public async Task A_caller_that_casts_a_remembered_version_lists_to_arrays_cannot_change_what_the_next_caller_reads()
    {
        // The version a read returns is remembered and returned again to every caller: none may change it for the others.
        await using var store = new PostgresMemoryStore(Options);
        var proposal = Proposal(Bot, null, MemoryAuthor.Person("alice"), "i0");
        var insight = proposal.Insights[0] with
        {
            Triggers = new InsightTriggers { Tools = ["shell"], Keywords = ["deploy"] },
            Evidence = [new InsightEvidence("s1", 3)],
        };
        var version = await store.ProposeAsync(proposal with { Insights = [insight] });
        await store.ApproveAsync(version.Id, MemoryAuthor.Person("alice"));

        var read = (await store.GetActiveVersionAsync(Bot))!;
        var first = read.Insights[0];
        // An array says IsReadOnly yet takes a new element: try each list as a writable one.
        TryChange(first.Triggers.Tools, "changed");
        TryChange(first.Triggers.Keywords, "changed");
        TryChange(first.Evidence, new InsightEvidence("changed", 0));

        var next = (await store.GetActiveVersionAsync(Bot))!.Insights[0];
        Assert.Equal(["shell"], next.Triggers.Tools);
        Assert.Equal(["deploy"], next.Triggers.Keywords);
        Assert.Equal([new InsightEvidence("s1", 3)], next.Evidence);
        Assert.Throws<NotSupportedException>(() => ((IList<Insight>)read.Insights).Clear());
    }

    [Fact]
    public async Task Concurrent_reads_of_more_scopes_than_are_remembered_each_get_their_scopes_active_version_as_other_instances_change_them()
    {
        await using var store = new PostgresMemoryStore(Options);
        await using var other = new PostgresMemoryStore(Options);
        var scopes = Enumerable.Range(0, PostgresMemoryStore.RememberedScopes + 40).Select(i => MemoryScope.Agent("bot" + i)).ToList();
        var active = new System.Collections.Concurrent.ConcurrentDictionary<MemoryScope, string>();
        foreach (var scope in scopes)
        {
            var version = await other.ProposeAsync(Proposal(scope, null, MemoryAuthor.Person("alice"), "i0"));
            active[scope] = (await other.ApproveAsync(version.Id, MemoryAuthor.Person("alice"))).Id;
        }

        var changes = Task.Run(async () =>
        {
            // Another instance approves and rolls back in a few scopes while the reads run.
            for (var round = 0; round < 6; round++)
            {
                var scope = scopes[round * 37 % scopes.Count];
                var proposal = await other.ProposeAsync(Proposal(scope, active[scope], MemoryAuthor.Person("bob"), "i0", "r" + round));
                var approved = await other.ApproveAsync(proposal.Id, MemoryAuthor.Person("bob"));
                active[scope] = round % 2 == 0 ? approved.Id : (await other.RollbackAsync(approved.ParentVersionId!, MemoryAuthor.Person("bob"))).Id;
            }
        });
        var reads = Enumerable.Range(0, 6).Select(reader => Task.Run(async () =>
        {
            for (var i = 0; i < 150; i++)
            {
                var scope = scopes[(reader * 53 + i * 7) % scopes.Count];
                var read = (await store.GetActiveVersionAsync(scope))!;
                var stored = (await other.GetVersionAsync(read.Id))!;
                Assert.Equal(scope, read.Scope);
                Assert.All(read.Insights, insight => Assert.Equal(scope, insight.Scope));
                Assert.Equal(stored.Insights.Select(x => x.Id), read.Insights.Select(x => x.Id));
            }
        }));
        await Task.WhenAll([changes, .. reads]);

        // Once the changes are over, every scope reads its active version, whole.
        foreach (var scope in scopes)
        {
            var read = (await store.GetActiveVersionAsync(scope))!;
            Assert.Equal((active[scope], (await other.GetVersionAsync(active[scope]))!.Insights.Count), (read.Id, read.Insights.Count));
        }
    }

    [Fact]
    public async Task A_read_racing_an_approval_that_leaves_the_older_version_remembered_does_not_make_a_later_read_stale()
    {
        // Two reads of one store object: the first gets v1 from the server; before it remembers it, another instance
        // activates v2 and the second read gets and remembers v2; the first then remembers v1, the older version.
        await using var store = new PostgresMemoryStore(Options);
        await using var other = new PostgresMemoryStore(Options);
        var first = await other.ProposeAsync(Proposal(Bot, null, MemoryAuthor.Person("alice"), "i1"));
        await other.ApproveAsync(first.Id, MemoryAuthor.Person("alice"));
        var second = await other.ProposeAsync(Proposal(Bot, first.Id, MemoryAuthor.Person("bob"), "i1", "i2"));
        MemoryVersion? racing = null;

        // The store's first call checks its tables first: made before, the read below is its only command.
        await store.InitializeAsync();

        var (older, _) = await NpgsqlCommands.AfterAsync(
            1,
            () =>
            {
                other.ApproveAsync(second.Id, MemoryAuthor.Person("bob")).GetAwaiter().GetResult();
                racing = store.GetActiveVersionAsync(Bot).GetAwaiter().GetResult();
            },
            () => store.GetActiveVersionAsync(Bot));

        Assert.Equal((first.Id, second.Id), (older!.Id, racing!.Id));

        // v1 is remembered, v2 active: every later read asks the server which version is active, and reads v2 whole.
        for (var i = 0; i < 2; i++)
        {
            var later = (await store.GetActiveVersionAsync(Bot))!;
            Assert.Equal((second.Id, MemoryVersionState.Active), (later.Id, later.State));
            Assert.Equal(["i1", "i2"], later.Insights.Select(insight => insight.Id));
        }
    }

    private static void TryChange<T>(IReadOnlyList<T> list, T value)
    {
        try
        {
            ((IList<T>)list)[0] = value;
        }
        catch (NotSupportedException)
        {
            // A read-only list: nothing changed.
        }
    }

    // The bytes Npgsql reads from the server during `read`, on the connections of this test's schema only.
    private async Task<(T Result, long Bytes)> BytesReadAsync<T>(Func<Task<T>> read)
    {
        long bytes = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Npgsql" && instrument.Name == "db.client.operation.npgsql.bytes_read")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Value is string pool && pool.Contains(Schema, StringComparison.Ordinal))
                {
                    Interlocked.Add(ref bytes, value);
                    return;
                }
            }
        });
        listener.Start();
        var result = await read();
        listener.RecordObservableInstruments();
        return (result, Interlocked.Read(ref bytes));
    }
}

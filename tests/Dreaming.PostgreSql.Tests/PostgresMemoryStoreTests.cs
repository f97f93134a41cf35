using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>What SQLite's single writer gave, proved for several instances of an application on one PostgreSQL database,
/// and what PostgreSQL itself cannot hold.</summary>
public sealed class PostgresMemoryStoreTests : PostgresStoreFixture
{
    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");
    private static readonly MemoryAuthor Alice = MemoryAuthor.Person("alice");

    [Fact]
    public async Task Two_instances_approving_rival_proposals_at_once_leave_one_active_version_and_the_loser_gets_MemoryStateException()
    {
        await using var first = new PostgresMemoryStore(Options);
        await using var second = new PostgresMemoryStore(Options);
        var active = await first.ProposeAsync(Proposal(Bot, null, Alice, "i0"));
        await first.ApproveAsync(active.Id, Alice);

        for (var round = 0; round < 10; round++)
        {
            var mine = await first.ProposeAsync(Proposal(Bot, active.Id, Alice, "i0", "a" + round));
            var theirs = await second.ProposeAsync(Proposal(Bot, active.Id, Alice, "i0", "b" + round));
            var outcomes = await Task.WhenAll(
                Task.Run(() => OutcomeAsync(() => first.ApproveAsync(mine.Id, Alice))),
                Task.Run(() => OutcomeAsync(() => second.ApproveAsync(theirs.Id, Alice))));

            var winner = Assert.Single(outcomes, outcome => outcome.Version is not null).Version!;
            var loser = Assert.Single(outcomes, outcome => outcome.Error is not null).Error!;
            Assert.IsType<MemoryStateException>(loser);
            Assert.Contains("does not derive from", loser.Message, StringComparison.Ordinal);
            Assert.Equal(winner.Id, (await second.GetActiveVersionAsync(Bot))!.Id);
            Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM memory_versions WHERE state = 'active'"));
            active = winner;
        }
    }

    [Fact]
    public async Task Two_instances_approving_the_same_proposal_at_once_activate_it_once()
    {
        await using var first = new PostgresMemoryStore(Options);
        await using var second = new PostgresMemoryStore(Options);
        var proposal = await first.ProposeAsync(Proposal(Bot, null, Alice, "i0"));

        var outcomes = await Task.WhenAll(
            Task.Run(() => OutcomeAsync(() => first.ApproveAsync(proposal.Id, Alice))),
            Task.Run(() => OutcomeAsync(() => second.ApproveAsync(proposal.Id, Alice))));

        Assert.Single(outcomes, outcome => outcome.Version is not null);
        Assert.Contains("already active", Assert.IsType<MemoryStateException>(Assert.Single(outcomes, outcome => outcome.Error is not null).Error).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Instances_proposing_and_rolling_back_at_once_number_versions_consecutively_with_one_active()
    {
        var stores = Enumerable.Range(0, 4).Select(_ => new PostgresMemoryStore(Options)).ToList();
        try
        {
            var first = await stores[0].ProposeAsync(Proposal(Bot, null, Alice, "i0"));
            await stores[0].ApproveAsync(first.Id, Alice);
            var work = Enumerable.Range(0, 24).Select(i => Task.Run(async () =>
            {
                var store = stores[i % stores.Count];
                var version = await store.ProposeAsync(Proposal(Bot, null, Alice, "p" + i));
                if (i % 3 == 0)
                {
                    await store.RollbackAsync(version.Id, Alice);
                }
            }));
            await Task.WhenAll(work);

            var numbers = (await stores[1].ListVersionsAsync(Bot, 100)).Select(v => v.Number).Order().ToList();
            Assert.Equal(Enumerable.Range(1, 33), numbers);
            Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM memory_versions WHERE state = 'active'"));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Instances_proposing_approving_and_rolling_back_at_once_number_versions_consecutively_and_activate_each_from_the_version_it_supersedes()
    {
        // Proposals with several insights (sent before the scope's lock, their key deferred), approvals that must find
        // their parent still active, and rollbacks, from four instances at once.
        var stores = Enumerable.Range(0, 4).Select(_ => new PostgresMemoryStore(Options)).ToList();
        try
        {
            var first = await stores[0].ProposeAsync(Proposal(Bot, null, Alice, "i0", "i1"));
            await stores[0].ApproveAsync(first.Id, Alice);
            var refused = 0;
            var work = Enumerable.Range(0, 32).Select(i => Task.Run(async () =>
            {
                var store = stores[i % stores.Count];
                try
                {
                    if (i % 5 == 4)
                    {
                        await store.RollbackAsync(first.Id, Alice);
                        return;
                    }

                    var active = (await store.GetActiveVersionAsync(Bot))!;
                    var proposal = await store.ProposeAsync(Proposal(Bot, active.Id, Alice, [.. active.Insights.Select(x => x.Id).Where(id => !id.StartsWith('p')), "p" + i, "q" + i]));
                    await store.ApproveAsync(proposal.Id, Alice);
                }
                catch (MemoryStateException)
                {
                    Interlocked.Increment(ref refused);
                }
            }));
            await Task.WhenAll(work);

            var count = Convert.ToInt32(await ScalarAsync("SELECT count(*) FROM memory_versions"), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(Enumerable.Range(1, count), (await stores[1].ListVersionsAsync(Bot, 100)).Select(v => v.Number).Order());
            Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM memory_versions WHERE state = 'active'"));
            Assert.Equal(0L, await ScalarAsync(
                "SELECT count(*) FROM memory_versions v JOIN memory_versions w ON w.id = v.superseded_by_id WHERE w.restored_from_id IS NULL AND w.parent_id IS DISTINCT FROM v.id"));
            Assert.Equal(0L, await ScalarAsync(
                "SELECT count(*) FROM memory_versions v WHERE v.insight_count <> (SELECT count(*) FROM memory_insights i WHERE i.version_id = v.id) "
                + "OR EXISTS (SELECT 1 FROM memory_insights i WHERE i.version_id = v.id AND i.position >= v.insight_count)"));
            Assert.True(refused > 0 && refused < 32, $"{refused} of 32 changes were refused; the race was not run");
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_previous_build_already_running_on_a_schema_migrated_to_memory_version_2_keeps_proposing_checked_at_once()
    {
        // The memory tables as version 1 left them, and a connection of an instance of the previous build, already open.
        await ExecuteAsync(
            $"CREATE SCHEMA {Schema}; SET search_path = {Schema};"
            + "CREATE TABLE schema_versions (component text PRIMARY KEY, version integer NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now());"
            + $"{PostgresMemoryMigrations.Scripts[0]};"
            + "INSERT INTO schema_versions (component, version) VALUES ('memory', 1);");
        await using var previous = new NpgsqlConnection(PostgresTestServer.ConnectionString + ";Search Path=" + Schema);
        await previous.OpenAsync();

        await using var store = new PostgresMemoryStore(Options);
        var first = await store.ApproveAsync((await store.ProposeAsync(Proposal(Bot, null, Alice, "i0", "i1"))).Id, Alice);
        Assert.Equal(2, await ScalarAsync("SELECT version FROM schema_versions WHERE component = 'memory'"));

        // The previous build's proposal: the lock, the numbered version, then its insights one statement each.
        await using (var transaction = await previous.BeginTransactionAsync())
        {
            await Run("SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))", ("key", $"dreaming.memory:{Schema}:{Bot.Key}"));
            await Run(
                "INSERT INTO memory_versions (id, scope, number, parent_id, author_kind, author_id, state, created_ms, insight_count) VALUES "
                + "('mv-previous', @scope, (SELECT coalesce(max(number), 0) + 1 FROM memory_versions WHERE scope = @scope), @parent, 'person', 'bob', 'proposed', 0, 1)",
                ("scope", Bot.Key),
                ("parent", first.Id));
            await Run(
                "INSERT INTO memory_insights (version_id, id, position, kind, text, trigger_tools, trigger_keywords, evidence, helpful, harmful, seen, status, source, created_ms, updated_ms) "
                + "VALUES ('mv-previous', 'i9', 0, 'lesson', 'lesson i9', '[]', '[]', '[]', 0, 0, 0, 'active', 'mined', 0, 0)");

            // Its key is still checked at once, not at the commit: an insight of no version fails its own statement.
            var refused = await Assert.ThrowsAsync<PostgresException>(() => Run(
                "INSERT INTO memory_insights (version_id, id, position, kind, text, trigger_tools, trigger_keywords, evidence, helpful, harmful, seen, status, source, created_ms, updated_ms) "
                + "VALUES ('mv-none', 'i9', 0, 'lesson', 'lesson i9', '[]', '[]', '[]', 0, 0, 0, 'active', 'mined', 0, 0)"));
            Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, refused.SqlState);
            await transaction.RollbackAsync();

            async Task Run(string sql, params (string Name, object Value)[] parameters)
            {
                await using var command = new NpgsqlCommand(sql, previous, transaction);
                foreach (var (name, value) in parameters)
                {
                    command.Parameters.AddWithValue(name, value);
                }

                await command.ExecuteNonQueryAsync();
            }
        }

        await using (var command = new NpgsqlCommand(
            "BEGIN; SELECT pg_advisory_xact_lock(hashtextextended(@key, 0)); "
            + "INSERT INTO memory_versions (id, scope, number, parent_id, author_kind, author_id, state, created_ms, insight_count) VALUES "
            + "('mv-previous', @scope, (SELECT coalesce(max(number), 0) + 1 FROM memory_versions WHERE scope = @scope), @parent, 'person', 'bob', 'proposed', 0, 1); "
            + "INSERT INTO memory_insights (version_id, id, position, kind, text, trigger_tools, trigger_keywords, evidence, helpful, harmful, seen, status, source, created_ms, updated_ms) "
            + "VALUES ('mv-previous', 'i9', 0, 'lesson', 'lesson i9', '[]', '[]', '[]', 0, 0, 0, 'active', 'mined', 0, 0); COMMIT;",
            previous))
        {
            command.Parameters.AddWithValue("key", $"dreaming.memory:{Schema}:{Bot.Key}");
            command.Parameters.AddWithValue("scope", Bot.Key);
            command.Parameters.AddWithValue("parent", first.Id);
            await command.ExecuteNonQueryAsync();
        }

        // This build reads it, numbers after it, and approves it.
        var written = (await store.GetVersionAsync("mv-previous"))!;
        Assert.Equal(2, written.Number);
        Assert.Equal(["i9"], written.Insights.Select(i => i.Id));
        Assert.Equal(3, (await store.ProposeAsync(Proposal(Bot, first.Id, Alice, "i0", "i1", "i2"))).Number);
        Assert.Equal(MemoryVersionState.Active, (await store.ApproveAsync("mv-previous", Alice)).State);
    }

    [Fact]
    public async Task A_proposal_whose_parent_is_superseded_between_its_read_and_its_lock_is_numbered_after_and_cannot_be_approved()
    {
        await using var store = new PostgresMemoryStore(Options);
        await using var other = new PostgresMemoryStore(Options);
        var parent = await store.ApproveAsync((await store.ProposeAsync(Proposal(Bot, null, Alice, "i0"))).Id, Alice);
        MemoryVersion? rival = null;

        // The parent is read without the lock (command 1); another instance activates a rival before the insights, the lock
        // and the version are sent (command 2).
        var (proposal, _) = await NpgsqlCommands.BeforeAsync(
            2,
            () => rival = other.ApproveAsync(other.ProposeAsync(Proposal(Bot, parent.Id, Alice, "i0", "r")).GetAwaiter().GetResult().Id, Alice).GetAwaiter().GetResult(),
            () => store.ProposeAsync(Proposal(Bot, parent.Id, Alice, "i0", "p")));

        Assert.Equal((2, 3, parent.Id), (rival!.Number, proposal.Number, proposal.ParentVersionId));
        var refused = await Assert.ThrowsAsync<MemoryStateException>(() => store.ApproveAsync(proposal.Id, Alice));
        Assert.Contains("does not derive from", refused.Message, StringComparison.Ordinal);
        Assert.Equal(rival.Id, (await store.GetActiveVersionAsync(Bot))!.Id);
    }

    [Fact]
    public async Task An_insight_whose_version_was_never_inserted_cannot_commit_though_its_key_is_deferred()
    {
        await using var store = new PostgresMemoryStore(Options);
        await store.ProposeAsync(Proposal(Bot, null, Alice, "i0"));

        // What a proposal's transaction does before the lock, without the version row that should follow.
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(
            "BEGIN; SET CONSTRAINTS memory_insights_version_id_fkey DEFERRED; "
            + "INSERT INTO memory_insights (version_id, id, position, kind, text, trigger_tools, trigger_keywords, evidence, helpful, harmful, seen, status, source, created_ms, updated_ms) "
            + "VALUES ('mv-none', 'i0', 0, 'lesson', 't', '[]', '[]', '[]', 0, 0, 0, 'active', 'mined', 0, 0); COMMIT;"));

        Assert.Equal((PostgresErrorCodes.ForeignKeyViolation, "memory_insights_version_id_fkey"), (refused.SqlState, refused.ConstraintName));
        Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM memory_insights"));
    }

    [Theory]
    [InlineData("DELETE FROM memory_versions", "memory versions are never deleted")]
    [InlineData("TRUNCATE memory_versions CASCADE", "memory versions are never deleted")]
    [InlineData("UPDATE memory_versions SET note = 'x'", "the content of a memory version never changes")]
    [InlineData("DELETE FROM memory_insights", "memory insights are never deleted")]
    [InlineData("TRUNCATE memory_insights", "memory insights are never deleted")]
    [InlineData("UPDATE memory_insights SET text = 'x'", "memory insights never change")]
    public async Task The_database_refuses_to_delete_history_or_change_what_a_version_holds(string sql, string expected)
    {
        await using var store = new PostgresMemoryStore(Options);
        var version = await store.ProposeAsync(Proposal(Bot, null, Alice, "i0"));

        var exception = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(sql));

        Assert.Contains(expected, exception.MessageText, StringComparison.Ordinal);
        Assert.Equal("lesson i0", (await store.GetVersionAsync(version.Id))!.Insights.Single().Text);
        await ExecuteAsync("UPDATE memory_versions SET review_note = 'reviews may change'");
    }

    [Fact]
    public async Task Nul_characters_lone_surrogates_and_a_huge_insight_are_stored()
    {
        await using var store = new PostgresMemoryStore(Options);
        var huge = string.Concat(Enumerable.Repeat("Refund once per order; ask for the order id. ", 30_000)) + "\U0001F600";
        var proposal = Proposal(Bot, null, MemoryAuthor.Person("nul\0person"), "i0", "i1") with { Note = "a\0b\uD800c" };
        proposal = proposal with
        {
            Insights =
            [
                proposal.Insights[0] with { Text = "before\0after \uDC00 \U0001F600", Triggers = new InsightTriggers { Tools = ["to\0ol"], Keywords = ["\uD83D"] } },
                proposal.Insights[1] with { Text = huge },
            ],
        };

        var stored = await store.ProposeAsync(proposal);
        var rejected = await store.RejectAsync(stored.Id, Alice, "no\0pe");
        var read = (await store.GetVersionAsync(stored.Id))!;

        Assert.True(huge.Length > 1_000_000);
        foreach (var version in new[] { stored, rejected, read })
        {
            Assert.Equal("before\0after \uFFFD \U0001F600", version.Insights[0].Text);
            Assert.Equal(["to\0ol"], version.Insights[0].Triggers.Tools);
            Assert.Equal(["\uFFFD"], version.Insights[0].Triggers.Keywords);
            Assert.Equal(huge, version.Insights[1].Text);
            Assert.Equal("a\0b\uFFFDc", version.Note);
            Assert.Equal(MemoryAuthor.Person("nul\0person"), version.Author);
        }

        Assert.Equal("no\0pe", read.ReviewNote);
        Assert.Null(await store.GetVersionAsync("mv-\0"));
    }

    [Fact]
    public async Task The_server_going_away_is_a_TraceStoreException_naming_the_location_without_the_password_and_the_store_works_again_after()
    {
        await using var proxy = await TcpProxy.StartAsync();
        var options = Options;
        options.ConnectionString = proxy.Through(options.ConnectionString);
        await using var store = new PostgresMemoryStore(options);
        var version = await store.ProposeAsync(Proposal(Bot, null, Alice, "i0"));

        proxy.Down();
        var writing = await Assert.ThrowsAsync<TraceStoreException>(() => store.ApproveAsync(version.Id, Alice));
        var reading = await Assert.ThrowsAsync<TraceStoreException>(() => store.GetVersionAsync(version.Id));

        foreach (var exception in new[] { writing, reading })
        {
            Assert.Contains($"127.0.0.1:{proxy.Port}/", exception.Message, StringComparison.Ordinal);
            Assert.Contains(Schema, exception.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(TcpProxy.Password, exception.ToString(), StringComparison.Ordinal);
            Assert.IsAssignableFrom<NpgsqlException>(exception.InnerException);
        }

        Assert.StartsWith("Cannot write to the PostgreSQL store", writing.Message, StringComparison.Ordinal);
        Assert.StartsWith("Cannot read the PostgreSQL store", reading.Message, StringComparison.Ordinal);
        Assert.Equal(MemoryVersionState.Proposed, (await new PostgresMemoryStore(Options).GetVersionAsync(version.Id))!.State);

        await proxy.UpAsync();
        var approved = await store.ApproveAsync(version.Id, Alice);
        Assert.Equal(MemoryVersionState.Active, approved.State);
        Assert.Equal(approved.Id, (await store.GetActiveVersionAsync(Bot))!.Id);
    }

    [Fact]
    public async Task A_store_made_from_options_owns_its_pool_and_refuses_calls_after_disposal()
    {
        var store = new PostgresMemoryStore(Options);
        await store.InitializeAsync();
        store.Dispose();
        await store.DisposeAsync();

        var exception = await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetActiveVersionAsync(Bot));
        Assert.Contains(nameof(PostgresMemoryStore), exception.ObjectName, StringComparison.Ordinal);
    }

    /// <summary>The result of one racing call: the version, or the exception.</summary>
    private static async Task<(MemoryVersion? Version, Exception? Error)> OutcomeAsync(Func<Task<MemoryVersion>> call)
    {
        try
        {
            return (await call(), null);
        }
        catch (MemoryStateException exception)
        {
            return (null, exception);
        }
    }
}

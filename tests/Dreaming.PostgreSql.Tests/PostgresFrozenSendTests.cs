namespace Dreaming.PostgreSql.Tests;

/// <summary>A host that stops partway through sending a large statement (a frozen process, or a network that drops its
/// packets without closing the connection): the server waits for the rest of the message, "active" on <c>ClientRead</c>,
/// where no setting of the server's ends it (<c>idle_in_transaction_session_timeout</c> is armed only between the client's
/// requests, and <c>tcp_user_timeout</c> has no data of the server's to time). So the trace store's batch sends its rows
/// before it writes or locks anything: while the rest is awaited, the transaction holds nothing another instance waits on.</summary>
public sealed class PostgresFrozenSendTests : PostgresStoreFixture
{
    [Fact]
    public async Task Frozen_while_sending_a_large_batch_it_holds_no_lock_and_no_transaction_id_and_other_instances_go_on()
    {
        await using var proxy = await TcpProxy.StartAsync();
        var options = proxy.Options(Schema);
        var name = "frozen-send-" + Schema;
        options.ConnectionString += ";Maximum Pool Size=1;Application Name=" + name;
        await using var frozen = new PostgresTraceStore(options);
        var otherOptions = Options;
        otherOptions.CommandTimeout = TimeSpan.FromSeconds(2);
        await using var other = new PostgresTraceStore(otherOptions);
        await frozen.WriteAsync(new TraceWriteBatch([TraceSchema.Session("s")], [TraceSchema.Note("s", 1)]));

        // A batch that creates session n with three events of 1 MB and appends two more to s: the proxy passes its first
        // megabyte on, then nothing, so the server is left reading the batch.
        var big = new string('x', 1 << 20);
        proxy.FreezeRequests(afterBytes: 1 << 20);
        var writing = frozen.WriteAsync(new TraceWriteBatch(
            [TraceSchema.Session("n")],
            [TraceSchema.Note("n", 1, big), TraceSchema.Note("n", 2, big), TraceSchema.Note("n", 3, big), TraceSchema.Note("s", 10, big), TraceSchema.Note("s", 11, big)]));
        var pid = await ReadingAsync(name);

        // Another instance appends to s, ends it and creates n, each within its 2 s command timeout: nothing waits on the
        // frozen batch, which has written and locked nothing (it has no transaction id, which every row lock would give it).
        await other.WriteAsync(TraceWriteBatch.OfEvents([TraceSchema.Note("s", 2)]));
        await other.CompleteSessionAsync(TraceSchema.Completed("s"));
        await other.WriteAsync(new TraceWriteBatch([TraceSchema.Session("n")], [TraceSchema.Note("n", 1)]));
        Assert.Equal("active ClientRead", await ScalarAsync($"SELECT state || ' ' || wait_event FROM pg_stat_activity WHERE pid = {pid}"));
        Assert.Equal(true, await ScalarAsync($"SELECT backend_xid IS NULL FROM pg_stat_activity WHERE pid = {pid}"));

        // Thawed, the batch reaches the server whole and is refused whole, as it would have been after the other's changes.
        proxy.Thaw();
        var refused = await Assert.ThrowsAsync<SessionStateException>(() => writing);
        Assert.Contains("'n'", refused.Message, StringComparison.Ordinal);
        var s = (await other.GetSessionAsync("s"))!;
        Assert.Equal((SessionStatus.Completed, 2L), (s.Status, s.EventCount));
        Assert.Equal(1L, (await other.GetSessionAsync("n"))!.EventCount);
    }

    [Fact]
    public async Task Frozen_while_sending_a_large_memory_proposal_it_holds_no_scope_lock_and_other_instances_change_the_scope()
    {
        await using var proxy = await TcpProxy.StartAsync();
        var (options, name) = Named(proxy);
        var scope = MemoryScope.Agent("bot");
        await using var frozen = new PostgresMemoryStore(options);
        await using var other = new PostgresMemoryStore(WithTimeout(Options, TimeSpan.FromSeconds(2)));
        await frozen.ProposeAsync(Proposal(MemoryScope.Agent("warm"), null, MemoryAuthor.Person("alice"), "w1"));

        // Three insights of 1 MB: the proxy passes the first megabyte on, then nothing.
        var big = new string('x', 1 << 20);
        var proposal = Proposal(scope, null, MemoryAuthor.Person("alice"), "i1", "i2", "i3");
        proposal = proposal with { Insights = [.. proposal.Insights.Select(insight => insight with { Text = big })] };
        proxy.FreezeRequests(afterBytes: 1 << 20);
        var proposing = frozen.ProposeAsync(proposal);
        var pid = await ReadingAsync(name);

        // Another instance changes the scope within its 2 s command timeout: the frozen proposal holds no lock of it.
        var first = await other.ProposeAsync(Proposal(scope, null, MemoryAuthor.Person("bob"), "b1"));
        Assert.Equal(MemoryVersionState.Active, (await other.ApproveAsync(first.Id, MemoryAuthor.Person("bob"))).State);
        Assert.Equal("active ClientRead", await ScalarAsync($"SELECT state || ' ' || wait_event FROM pg_stat_activity WHERE pid = {pid}"));
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM pg_locks WHERE pid = {pid} AND locktype = 'advisory'"));
        Assert.Equal(true, await ScalarAsync($"SELECT backend_xid IS NULL FROM pg_stat_activity WHERE pid = {pid}"));

        // Thawed, the proposal is stored whole, numbered after the other's.
        proxy.Thaw();
        var stored = await proposing;
        Assert.Equal((1, 2), (first.Number, stored.Number));
        var read = (await other.GetVersionAsync(stored.Id))!;
        Assert.Equal(["i1", "i2", "i3"], read.Insights.Select(insight => insight.Id));
        Assert.All(read.Insights, insight => Assert.Equal(big, insight.Text));
    }

    [Fact]
    public async Task Frozen_while_sending_a_large_dream_result_it_holds_no_scope_lock_and_other_instances_renew_the_lease()
    {
        await using var proxy = await TcpProxy.StartAsync();
        var (options, name) = Named(proxy);
        await using var frozen = new PostgresDreamRunStore(options);
        await using var other = new PostgresDreamRunStore(WithTimeout(Options, TimeSpan.FromSeconds(2)));
        var run = await frozen.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") });
        await frozen.StartAsync(run.Id, "host-a", TimeSpan.FromMinutes(5));

        // A result with a 3 MB note: the proxy passes the first megabyte on, then nothing.
        var note = new string('n', 3 << 20);
        proxy.FreezeRequests(afterBytes: 1 << 20);
        var completing = frozen.CompleteAsync(run.Id, new DreamRunResults { Note = note });
        var pid = await ReadingAsync(name);

        // Another instance renews the run's lease within its 2 s command timeout: the frozen completion holds no lock.
        Assert.Equal(DreamRunStatus.Running, (await other.RenewLeaseAsync(run.Id, "host-a", TimeSpan.FromMinutes(10))).Status);
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM pg_locks WHERE pid = {pid} AND locktype = 'advisory'"));
        Assert.Equal(true, await ScalarAsync($"SELECT backend_xid IS NULL FROM pg_stat_activity WHERE pid = {pid}"));

        proxy.Thaw();
        var completed = await completing;
        Assert.Equal((DreamRunStatus.Completed, note), (completed.Status, completed.Results.Note));
    }

    [Fact]
    public async Task Frozen_while_sending_a_long_rejection_reason_it_holds_no_scope_lock_and_other_instances_change_the_scope()
    {
        await using var proxy = await TcpProxy.StartAsync();
        var (options, name) = Named(proxy);
        var scope = MemoryScope.Agent("bot");
        await using var frozen = new PostgresMemoryStore(options);
        await using var other = new PostgresMemoryStore(WithTimeout(Options, TimeSpan.FromSeconds(2)));
        var proposed = await frozen.ProposeAsync(Proposal(scope, null, MemoryAuthor.Person("alice"), "i1"));

        // A reason of 3 MB (a reviewer's text has no length limit): the proxy passes the first megabyte on, then nothing.
        var reason = new string('r', 3 << 20);
        proxy.FreezeRequests(afterBytes: 1 << 20);
        var rejecting = frozen.RejectAsync(proposed.Id, MemoryAuthor.Person("bob"), reason);
        var pid = await ReadingAsync(name);

        // Another instance changes the scope within its 2 s command timeout: the frozen rejection holds no lock of it.
        var first = await other.ProposeAsync(Proposal(scope, null, MemoryAuthor.Person("carol"), "c1"));
        Assert.Equal(MemoryVersionState.Active, (await other.ApproveAsync(first.Id, MemoryAuthor.Person("carol"))).State);
        Assert.Equal("active ClientRead", await ScalarAsync($"SELECT state || ' ' || wait_event FROM pg_stat_activity WHERE pid = {pid}"));
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM pg_locks WHERE pid = {pid} AND locktype = 'advisory'"));

        // Thawed, the rejection is stored with its whole reason.
        proxy.Thaw();
        var rejected = await rejecting;
        Assert.Equal((MemoryVersionState.Rejected, reason), (rejected.State, rejected.ReviewNote));
        Assert.Equal(reason, (await other.GetVersionAsync(proposed.Id))!.ReviewNote);
    }

    private static PostgresStoreOptions WithTimeout(PostgresStoreOptions options, TimeSpan commandTimeout)
    {
        options.CommandTimeout = commandTimeout;
        return options;
    }

    /// <summary>Options through <paramref name="proxy"/> on one connection, whose server process the name finds.</summary>
    private (PostgresStoreOptions Options, string Name) Named(TcpProxy proxy)
    {
        var options = proxy.Options(Schema);
        var name = "frozen-send-" + Schema;
        options.ConnectionString += ";Maximum Pool Size=1;Application Name=" + name;
        return (options, name);
    }

    /// <summary>Waits until the server process of <paramref name="applicationName"/> is reading a request the proxy holds.</summary>
    private async Task<int> ReadingAsync(string applicationName)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (await ScalarAsync($"SELECT pid FROM pg_stat_activity WHERE application_name = '{applicationName}' AND state = 'active' AND wait_event = 'ClientRead'") is int pid)
            {
                return pid;
            }

            Assert.True(DateTime.UtcNow < until, "the server was not caught reading the batch within 30 s");
            await Task.Delay(50);
        }
    }
}

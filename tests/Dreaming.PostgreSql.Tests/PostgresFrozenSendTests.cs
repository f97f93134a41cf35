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

using NSubstitute;

namespace Dreaming.Cli.Tests;

/// <summary><c>CliStores.StoredAgentIdAsync</c> ('dream --agent', 'report --agent', 'purge --keep-unread-for agent:ID'):
/// an agent id within <see cref="SessionRecord.MaxIdLength"/> is the stored one, with no query.</summary>
public sealed class StoredAgentIdTests
{
    [Fact]
    public async Task An_agent_id_within_the_cap_is_taken_as_given_without_a_query()
    {
        // The fallback the commands share queried the sessions once for every agent id, where 'dream' had none for an
        // id of 256 characters or fewer before it was shared.
        var sessions = Substitute.For<ITraceStore>();
        var id = new string('a', SessionRecord.MaxIdLength);

        Assert.Same(id, await CliStores.StoredAgentIdAsync(sessions, id, CancellationToken.None));
        Assert.Equal("bot", await CliStores.StoredAgentIdAsync(sessions, "bot", CancellationToken.None));

        await sessions.DidNotReceiveWithAnyArgs().QuerySessionsAsync(default!, default);
    }

    [Fact]
    public async Task A_longer_agent_id_no_session_has_is_taken_capped()
    {
        var sessions = Substitute.For<ITraceStore>();
        sessions.QuerySessionsAsync(Arg.Any<SessionQuery>(), Arg.Any<CancellationToken>()).Returns(Task.FromResult(new SessionPage([], null)));
        var id = new string('a', SessionRecord.MaxIdLength + 1);

        Assert.Equal(IdentifierCap.StoredId(id), await CliStores.StoredAgentIdAsync(sessions, id, CancellationToken.None));

        await sessions.Received(1).QuerySessionsAsync(Arg.Is<SessionQuery>(q => q.AgentId == id && q.PageSize == 1), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_longer_agent_id_costs_one_query_whether_a_session_has_it_as_given_or_not()
    {
        // The capped form is the answer when no session has the id as given: looking it up as well gave nothing the
        // callers use (they read its sessions with their own query).
        var id = new string('a', SessionRecord.MaxIdLength + 1);
        var none = Substitute.For<ITraceStore>();
        none.QuerySessionsAsync(Arg.Any<SessionQuery>(), Arg.Any<CancellationToken>()).Returns(Task.FromResult(new SessionPage([], null)));
        var whole = Substitute.For<ITraceStore>();
        whole.QuerySessionsAsync(Arg.Any<SessionQuery>(), Arg.Any<CancellationToken>()).Returns(Task.FromResult(new SessionPage([new SessionRecord { Id = "s1", AgentId = id, Task = "t", StartedAt = DateTimeOffset.UnixEpoch }], null)));

        Assert.Equal(IdentifierCap.StoredId(id), await CliStores.StoredAgentIdAsync(none, id, CancellationToken.None));
        Assert.Same(id, await CliStores.StoredAgentIdAsync(whole, id, CancellationToken.None));

        await none.ReceivedWithAnyArgs(1).QuerySessionsAsync(default!, default);
        await whole.ReceivedWithAnyArgs(1).QuerySessionsAsync(default!, default);
    }
}

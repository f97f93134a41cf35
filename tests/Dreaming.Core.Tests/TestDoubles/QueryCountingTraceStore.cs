namespace Dreaming.Tests;

/// <summary>An in-memory store that counts the session queries it is asked (<see cref="Pages"/>) and the sessions they
/// return (<see cref="Read"/>), for tests of what a reader costs the store.</summary>
internal sealed class QueryCountingTraceStore() : ForwardingTraceStore(new InMemoryTraceStore())
{
    /// <summary>Gets or sets the number of <see cref="QuerySessionsAsync"/> calls.</summary>
    public int Pages { get; set; }

    /// <summary>Gets or sets the number of sessions those calls returned.</summary>
    public int Read { get; set; }

    /// <summary>Gets a value indicating whether the store gives the in-memory store's change horizon; by default it gives
    /// none (the interface's default), as a store that does not number its changes.</summary>
    public bool NumbersChanges { get; init; }

    /// <summary>Gets or sets the sessions those calls returned, by id, in the order returned.</summary>
    public List<string> ReadIds { get; set; } = [];

    public override Task<long?> GetSessionChangeHorizonAsync(CancellationToken cancellationToken = default) =>
        NumbersChanges ? base.GetSessionChangeHorizonAsync(cancellationToken) : GetSessionChangeHorizonByInterfaceDefaultAsync(cancellationToken);

    public override async Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        Pages++;
        var page = await base.QuerySessionsAsync(query, cancellationToken);
        Read += page.Items.Count;
        ReadIds.AddRange(page.Items.Select(static session => session.Id));
        return page;
    }
}

namespace Dreaming;

/// <summary>Filter and paging for <see cref="IDreamRunStore.QueryRunsAsync"/>: the dream runs of every scope, newest first.</summary>
/// <remarks>An operator's question during an incident ("which dreams are running, or failed, anywhere?") does not start
/// from a scope: this query does not take one. A run is <em>stuck</em> when it is <see cref="DreamRunStatus.Running"/>
/// with a lease that has expired (<see cref="DreamRunStoreRules.IsAbandoned"/>); list the running runs and compare
/// <see cref="DreamRun.LeaseExpiresAt"/> with the store's clock, then end them with
/// <see cref="IDreamRunStore.RecoverAbandonedAsync"/>.</remarks>
public sealed record DreamRunQuery
{
    /// <summary>Gets the status to match, or <see langword="null"/> for runs in any state.</summary>
    public DreamRunStatus? Status { get; init; }

    /// <summary>Gets the most runs a page holds, 1 to <see cref="DreamRunStoreRules.MaxListLimit"/>.</summary>
    /// <value>The default is 50.</value>
    public int Limit { get; init; } = 50;

    /// <summary>Gets the cursor returned as <see cref="DreamRunPage.NextCursor"/> by the previous page, or
    /// <see langword="null"/> for the first.</summary>
    public string? Cursor { get; init; }

    /// <summary>Throws when the limit is out of range or the status is not a <see cref="DreamRunStatus"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The limit is not between 1 and <see cref="DreamRunStoreRules.MaxListLimit"/>
    /// (the parameter name is <c>Limit</c>), or the status is not one of the enum's values (<c>Status</c>).</exception>
    public void Validate()
    {
        if (Limit is < 1 or > DreamRunStoreRules.MaxListLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(Limit), Limit, $"DreamRunQuery.Limit must be between 1 and {DreamRunStoreRules.MaxListLimit}.");
        }

        if (Status is { } status && !Enum.IsDefined(status))
        {
            throw new ArgumentOutOfRangeException(nameof(Status), status, $"DreamRunQuery.Status {(int)status} is not a dream run status.");
        }
    }
}

namespace Dreaming;

/// <summary>The state rules every <see cref="IMemoryStore"/> applies, with the messages it reports, so that stores agree.</summary>
/// <remarks>A store calls these inside the same lock or transaction that then changes the states, so the check and the
/// change cannot be separated by another writer.</remarks>
public static class MemoryStoreRules
{
    /// <summary>The largest number of versions <see cref="IMemoryStore.ListVersionsAsync"/> returns at once.</summary>
    public const int MaxListLimit = 1000;

    /// <summary>Throws unless a version may be approved.</summary>
    /// <param name="version">The version to approve.</param>
    /// <param name="active">The active version of its scope, if any.</param>
    /// <param name="derivesFromActive">Whether <paramref name="active"/> is the version or one of its ancestors (through parents).</param>
    /// <exception cref="MemoryStateException">The version is not proposed, or there is an active version it does not derive from:
    /// approving it would silently discard what that version changed.</exception>
    public static void CheckApprove(MemoryVersionSummary version, MemoryVersionSummary? active, bool derivesFromActive)
    {
        ArgumentNullException.ThrowIfNull(version);
        switch (version.State)
        {
            case MemoryVersionState.Active:
                throw new MemoryStateException($"Memory version {version} is already active; there is nothing to approve.");
            case MemoryVersionState.Proposed:
                break;
            default:
                throw new MemoryStateException(
                    $"Memory version {version} cannot be approved: it is {MemoryNames.Of(version.State)}, and only a proposed version can be. Roll back to it to make its insights active again.");
        }

        if (active is not null && !derivesFromActive)
        {
            throw new MemoryStateException(
                $"Memory version {version} cannot be approved: it does not derive from {active}, the active version of {version.Scope}, so approving it would discard that version's changes. "
                + $"Propose it again from the active version, or roll back to '{version.Id}' to replace the active version deliberately.");
        }
    }

    /// <summary>Throws unless a version may be rejected.</summary>
    /// <param name="version">The version to reject.</param>
    /// <exception cref="MemoryStateException">The version is not proposed.</exception>
    public static void CheckReject(MemoryVersionSummary version)
    {
        ArgumentNullException.ThrowIfNull(version);
        if (version.State != MemoryVersionState.Proposed)
        {
            throw new MemoryStateException(
                $"Memory version {version} cannot be rejected: it is {MemoryNames.Of(version.State)}, and only a proposed version can be.");
        }
    }

    /// <summary>Throws unless the memory of a scope may be rolled back to a version.</summary>
    /// <param name="target">The version whose insights are to become active again.</param>
    /// <param name="active">The active version of its scope, if any.</param>
    /// <exception cref="MemoryStateException">The target is the active version.</exception>
    public static void CheckRollback(MemoryVersionSummary target, MemoryVersionSummary? active)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.State == MemoryVersionState.Active || string.Equals(target.Id, active?.Id, StringComparison.Ordinal))
        {
            throw new MemoryStateException($"Memory version {target} is already the active version of {target.Scope}; there is nothing to roll back.");
        }
    }

    /// <summary>Throws unless a list limit is in range.</summary>
    /// <param name="limit">The limit.</param>
    /// <exception cref="ArgumentOutOfRangeException">The limit is not between 1 and <see cref="MaxListLimit"/>.</exception>
    public static void CheckListLimit(int limit)
    {
        if (limit is < 1 or > MaxListLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"The limit must be between 1 and {MaxListLimit}.");
        }
    }
}

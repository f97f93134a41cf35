namespace Dreaming;

/// <summary>What a delegate agent returns for a work item.</summary>
/// <param name="Output">The work.</param>
/// <param name="Usage">The tokens it used, counted against the item's and the run's budgets; <see langword="null"/> for none.</param>
public sealed record WorkItemReply(string Output, SessionUsage? Usage = null);

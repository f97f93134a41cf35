namespace Dreaming;

/// <summary>The output of a completed item, as given to the items that depend on it.</summary>
/// <param name="Id">The item id.</param>
/// <param name="Agent">The agent that produced it.</param>
/// <param name="Output">The output; when <see cref="OriginalLength"/> is set, its start followed by a line saying it was cut.</param>
public sealed record WorkItemOutput(string Id, string Agent, string Output)
{
    /// <summary>Gets the length in characters of the item's whole output when the orchestrator cut it for this prompt
    /// (<c>OrchestratorOptions.MaxDependencyOutputLength</c>, <c>MaxDependencyOutputTotalLength</c>): <see cref="Output"/>
    /// then holds its first characters and a line saying so, and the whole output is in the run's result
    /// (<see cref="WorkItemResult.Output"/>). <see langword="null"/> when <see cref="Output"/> is the whole output.</summary>
    public int? OriginalLength { get; init; }
}

namespace Dreaming;

/// <summary>The output of a completed item, as given to the items that depend on it.</summary>
/// <param name="Id">The item id.</param>
/// <param name="Agent">The agent that produced it.</param>
/// <param name="Output">The output; when <see cref="OriginalLength"/> is set, its start followed by a line saying it was cut.</param>
public sealed record WorkItemOutput(string Id, string Agent, string Output)
{
    // The agent's name, or for a cut output the name with the whole output's length. One field for both keeps the
    // object at 40 bytes: the orchestrator makes one per completed item, held by its dependents, and a field of its own
    // for the rare length (8 bytes each) tripled the gen 1 collections of a 10,000-item run. The generated equality,
    // hash code and copy compare and copy this field, which holds either a string or the value-equal record below.
    private object? _agent = Agent;

    // Id and Output are declared, as Agent must be, to keep the properties' order in ToString and JSON.

    /// <summary>Gets the item id.</summary>
    public string Id { get; init; } = Id;

    /// <summary>Gets the agent that produced it.</summary>
    public string Agent
    {
        get => _agent is CutAgent cut ? cut.Agent : (string)_agent!;
        init => _agent = _agent is CutAgent cut ? cut with { Agent = value } : value;
    }

    /// <summary>Gets the output; when <see cref="OriginalLength"/> is set, its start followed by a line saying it was cut.</summary>
    public string Output { get; init; } = Output;

    /// <summary>Gets the length in characters of the item's whole output when the orchestrator cut it for this prompt
    /// (<c>OrchestratorOptions.MaxDependencyOutputLength</c>, <c>MaxDependencyOutputTotalLength</c>): <see cref="Output"/>
    /// then holds its first characters and a line saying so, and the whole output is in the run's result
    /// (<see cref="WorkItemResult.Output"/>). <see langword="null"/> when <see cref="Output"/> is the whole output.</summary>
    public int? OriginalLength
    {
        get => (_agent as CutAgent)?.OriginalLength;
        init => _agent = value is { } length ? new CutAgent(Agent, length) : Agent;
    }

    private sealed record CutAgent(string Agent, int OriginalLength);
}

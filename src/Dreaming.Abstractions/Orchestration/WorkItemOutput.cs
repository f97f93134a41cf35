namespace Dreaming;

/// <summary>The output of a completed item, as given to the items that depend on it.</summary>
/// <param name="Id">The item id.</param>
/// <param name="Agent">The agent that produced it.</param>
/// <param name="Output">The output.</param>
public sealed record WorkItemOutput(string Id, string Agent, string Output);

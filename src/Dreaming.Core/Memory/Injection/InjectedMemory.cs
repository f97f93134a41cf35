namespace Dreaming;

/// <summary>The insights a session is given, rendered for its instructions.</summary>
/// <param name="MemoryVersionId">The version they come from.</param>
/// <param name="InsightIds">Their ids, in rendered order.</param>
/// <param name="Text">The system message text.</param>
public sealed record InjectedMemory(string MemoryVersionId, IReadOnlyList<string> InsightIds, string Text);

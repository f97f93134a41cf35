namespace Dreaming;

/// <summary>A lesson proposed for the agent's memory, before curation merges it with what the memory already holds.</summary>
public sealed record LessonCandidate
{
    /// <summary>Gets the kind of insight it would become.</summary>
    public required InsightKind Kind { get; init; }

    /// <summary>Gets the lesson's text, written for the agent.</summary>
    public required string Text { get; init; }

    /// <summary>Gets when the lesson applies: tool names and task keywords.</summary>
    public InsightTriggers Triggers { get; init; } = InsightTriggers.None;

    /// <summary>Gets the sessions (and events) the lesson was learnt from.</summary>
    public required IReadOnlyList<InsightEvidence> Evidence { get; init; }

    /// <summary>Gets the sessions whose content a model was shown when it wrote the lesson: every session excerpted in its
    /// prompt, which may be more than the <see cref="Evidence"/> it cites.</summary>
    /// <value>Empty for a lesson written by template. The guard inspects these sessions' content (tool results, user
    /// messages and tasks) as it does the evidence's, so a lesson cannot escape it by citing a session other than the one
    /// that carried an injected instruction.</value>
    public IReadOnlyList<string> ShownSessionIds { get; init; } = [];

    /// <summary>Gets the finding it was written from.</summary>
    public required Finding Finding { get; init; }

    /// <summary>Gets how it was written: <see cref="InsightSource.Mined"/> by template, <see cref="InsightSource.Reflected"/> by a model.</summary>
    public InsightSource Source { get; init; } = InsightSource.Mined;

    /// <summary>Gets a value indicating whether the lesson is about saving steps, not about getting the work right: an
    /// error that recurs in sessions that still succeed must never become a correctness rule.</summary>
    public bool IsEfficiencyTip { get; init; }
}

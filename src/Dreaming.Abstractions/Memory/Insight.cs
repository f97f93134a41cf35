namespace Dreaming;

/// <summary>One item of an agent's memory: a lesson, pitfall, workflow, preference or fact, with its evidence and counters.</summary>
/// <remarks>
/// <para>The <see cref="Id"/> stays the same across the versions that carry the insight, so its history can be followed and
/// sessions can cite it. Insights are never changed in place: a new <see cref="MemoryVersion"/> carries the changed copy.</para>
/// <para>Stores keep times at millisecond precision, in UTC.</para>
/// </remarks>
public sealed record Insight
{
    /// <summary>Gets the stable id, unique within a version.</summary>
    /// <remarks>Stores refuse an id that is blank, is not Unicode text, holds a control character or line break, or holds
    /// <c>"] "</c>: the agent is shown each insight as <c>- [id] text</c> on a line of its own
    /// (<see cref="MemoryProposal.Validate(MemoryVersion?)"/>). An id holding <c>"] "</c> that the parent version already
    /// holds (stored before that rule) is kept.</remarks>
    public required string Id { get; init; }

    /// <summary>Gets what the insight tells the agent.</summary>
    /// <value>The default is <see cref="InsightKind.Lesson"/>.</value>
    public InsightKind Kind { get; init; } = InsightKind.Lesson;

    /// <summary>Gets the text given to the agent.</summary>
    public required string Text { get; init; }

    /// <summary>Gets the scope; it must be the scope of the version that carries the insight.</summary>
    public required MemoryScope Scope { get; init; }

    /// <summary>Gets the tools and task keywords that make the insight relevant.</summary>
    public InsightTriggers Triggers { get; init; } = InsightTriggers.None;

    /// <summary>Gets the sessions and events that taught the insight.</summary>
    public IReadOnlyList<InsightEvidence> Evidence { get; init; } = [];

    /// <summary>Gets how many sessions given the insight passed.</summary>
    /// <remarks>A session that never called any of the insight's tools (<see cref="Triggers"/>) and did not cite it is not
    /// counted in <see cref="Helpful"/>, <see cref="Harmful"/> or <see cref="Seen"/>: it says nothing about the insight.</remarks>
    public int Helpful { get; init; }

    /// <summary>Gets how many sessions given the insight failed in the way it was about.</summary>
    public int Harmful { get; init; }

    /// <summary>Gets how many sessions were given the insight, among those that called one of its tools or cited it (all, for
    /// an insight about no tool).</summary>
    public int Seen { get; init; }

    /// <summary>Gets whether the insight is given to sessions.</summary>
    /// <value>The default is <see cref="InsightStatus.Proposed"/>.</value>
    public InsightStatus Status { get; init; } = InsightStatus.Proposed;

    /// <summary>Gets where the insight came from.</summary>
    public required InsightSource Source { get; init; }

    /// <summary>Gets when the insight was first written.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the insight last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Creates a new insight id: <c>ins-</c> and a time-ordered GUID.</summary>
    /// <returns>The id.</returns>
    public static string NewId() => "ins-" + Guid.CreateVersion7().ToString("N");
}

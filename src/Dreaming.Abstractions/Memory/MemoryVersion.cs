namespace Dreaming;

/// <summary>An immutable snapshot of the whole memory of one scope, with its lineage and review state.</summary>
/// <remarks>
/// <para>The insights, parent, author and note of a version never change once it is stored; only its review state moves
/// (<see cref="MemoryVersionState.Proposed"/> to <see cref="MemoryVersionState.Active"/> or
/// <see cref="MemoryVersionState.Rejected"/>, and <see cref="MemoryVersionState.Active"/> to
/// <see cref="MemoryVersionState.Superseded"/>). Versions are never deleted. Stores keep times at millisecond precision,
/// in UTC.</para>
/// </remarks>
public sealed record MemoryVersion
{
    /// <summary>Gets the id the store gave the version.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the scope whose memory this is.</summary>
    public required MemoryScope Scope { get; init; }

    /// <summary>Gets the number of the version within its scope: 1, 2, 3 in order of creation.</summary>
    public required int Number { get; init; }

    /// <summary>Gets the id of the version this one was derived from, or <see langword="null"/> for a first version.</summary>
    public string? ParentVersionId { get; init; }

    /// <summary>Gets the id of the version whose insights a rollback copied into this one, or <see langword="null"/>.</summary>
    public string? RestoredFromVersionId { get; init; }

    /// <summary>Gets the dream run or person that wrote the version.</summary>
    public required MemoryAuthor Author { get; init; }

    /// <summary>Gets the review state.</summary>
    public MemoryVersionState State { get; init; }

    /// <summary>Gets when the version was stored.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets the author's note on what changed and why, if any.</summary>
    public string? Note { get; init; }

    /// <summary>Gets who approved or rejected the version (or rolled back to it), or <see langword="null"/> while it is proposed.</summary>
    public MemoryAuthor? ReviewedBy { get; init; }

    /// <summary>Gets when the version was approved or rejected.</summary>
    public DateTimeOffset? ReviewedAt { get; init; }

    /// <summary>Gets the reviewer's note, such as the reason for a rejection.</summary>
    public string? ReviewNote { get; init; }

    /// <summary>Gets when another version replaced this one as the active version.</summary>
    public DateTimeOffset? SupersededAt { get; init; }

    /// <summary>Gets the id of the version that replaced this one as the active version.</summary>
    public string? SupersededByVersionId { get; init; }

    /// <summary>Gets every insight of the snapshot, in the order they were given.</summary>
    public IReadOnlyList<Insight> Insights { get; init; } = [];

    /// <summary>Creates a new version id: <c>mv-</c> and a time-ordered GUID. Stores call it; callers never need to.</summary>
    /// <returns>The id.</returns>
    public static string NewId() => "mv-" + Guid.CreateVersion7().ToString("N");

    /// <summary>Returns the version without its insights.</summary>
    /// <returns>The summary.</returns>
    public MemoryVersionSummary ToSummary() => new()
    {
        Id = Id,
        Scope = Scope,
        Number = Number,
        ParentVersionId = ParentVersionId,
        RestoredFromVersionId = RestoredFromVersionId,
        Author = Author,
        State = State,
        CreatedAt = CreatedAt,
        Note = Note,
        ReviewedBy = ReviewedBy,
        ReviewedAt = ReviewedAt,
        ReviewNote = ReviewNote,
        SupersededAt = SupersededAt,
        SupersededByVersionId = SupersededByVersionId,
        InsightCount = Insights.Count,
    };

    /// <summary>Returns <c>#number of scope (state)</c>, for messages.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => ToSummary().ToString();
}

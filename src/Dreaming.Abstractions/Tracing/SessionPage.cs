namespace Dreaming;

/// <summary>One page of a session query.</summary>
/// <param name="Items">The sessions of this page.</param>
/// <param name="NextCursor">The cursor of the next page, or <see langword="null"/> when this is the last.</param>
public sealed record SessionPage(IReadOnlyList<SessionRecord> Items, string? NextCursor);

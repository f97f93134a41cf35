namespace Dreaming;

/// <summary>One page of <see cref="IDreamRunStore.QueryRunsAsync"/>.</summary>
/// <param name="Items">The runs of this page, newest first.</param>
/// <param name="NextCursor">The cursor of the next page (<see cref="DreamRunQuery.Cursor"/>), or <see langword="null"/> when
/// this is the last.</param>
public sealed record DreamRunPage(IReadOnlyList<DreamRun> Items, string? NextCursor);

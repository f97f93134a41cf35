namespace Dreaming;

/// <summary>Changes to the insights of a version, applied by <see cref="IMemoryStore.EditAsync"/> to make a new proposed version.</summary>
/// <remarks>The edited version is never changed. Removing an insight takes it out of the new version only: every earlier
/// version keeps it. Setting its <see cref="Insight.Status"/> to <see cref="InsightStatus.Retired"/> is usually better,
/// and is the only way open to a dream run.</remarks>
public sealed record MemoryEdit
{
    /// <summary>Gets the dream run or person making the edit; it becomes the author of the new version.</summary>
    public required MemoryAuthor Author { get; init; }

    /// <summary>Gets insights to add, or to put in place of the insight with the same id.</summary>
    public IReadOnlyList<Insight> Upserts { get; init; } = [];

    /// <summary>Gets the ids of insights to leave out of the new version.</summary>
    public IReadOnlyList<string> Removals { get; init; } = [];

    /// <summary>Gets a note on what changed and why.</summary>
    public string? Note { get; init; }

    /// <summary>Applies the edit to a version: replaced insights keep their place, new ones follow, removed ones are left out.
    /// An insight whose text a person (<see cref="MemoryAuthorKind.Person"/>) changes becomes <see cref="InsightSource.Human"/>,
    /// whatever <see cref="Insight.Source"/> the upsert carries, so that no dream rewords it.</summary>
    /// <param name="source">The version to edit.</param>
    /// <returns>The proposal of the new version, whose parent is <paramref name="source"/>; stores still call
    /// <see cref="MemoryProposal.Validate"/> on it.</returns>
    /// <exception cref="ArgumentException">The edit changes nothing, names an insight twice, or removes an id the version does not have.</exception>
    public MemoryProposal ApplyTo(MemoryVersion source)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(Author, nameof(Author));
        ArgumentNullException.ThrowIfNull(Upserts, nameof(Upserts));
        ArgumentNullException.ThrowIfNull(Removals, nameof(Removals));
        if (Upserts.Count == 0 && Removals.Count == 0)
        {
            throw new ArgumentException($"The edit of memory version '{source.Id}' changes nothing: give insights to upsert or ids to remove.");
        }

        var upserts = new Dictionary<string, Insight>(StringComparer.Ordinal);
        foreach (var insight in Upserts)
        {
            ArgumentNullException.ThrowIfNull(insight, nameof(Upserts));
            if (insight.Id is null || !upserts.TryAdd(insight.Id, insight))
            {
                throw new ArgumentException($"The edit of memory version '{source.Id}' upserts insight '{insight.Id}' more than once or without an id.");
            }
        }

        var existing = source.Insights.Select(insight => insight.Id).ToHashSet(StringComparer.Ordinal);
        var removals = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in Removals)
        {
            if (id is null || !existing.Contains(id))
            {
                throw new ArgumentException($"Memory version '{source.Id}' has no insight '{id}' to remove.");
            }

            if (upserts.ContainsKey(id) || !removals.Add(id))
            {
                throw new ArgumentException($"The edit of memory version '{source.Id}' names insight '{id}' more than once.");
            }
        }

        var insights = new List<Insight>(source.Insights.Count + upserts.Count);
        foreach (var insight in source.Insights)
        {
            if (!removals.Contains(insight.Id))
            {
                insights.Add(upserts.TryGetValue(insight.Id, out var upsert) ? ByPerson(insight, upsert) : insight);
            }
        }

        insights.AddRange(Upserts.Where(insight => !existing.Contains(insight.Id)));
        return new MemoryProposal { Scope = source.Scope, ParentVersionId = source.Id, Author = Author, Insights = insights, Note = Note };
    }

    // A person who changes an insight's text has written it, whatever Source the upsert carries: a dream that finds its lesson
    // again must not put its own wording back in place of theirs (it rewords only what a dream wrote).
    private Insight ByPerson(Insight replaced, Insight upsert) =>
        Author.Kind == MemoryAuthorKind.Person
        && upsert.Source != InsightSource.Human
        && !string.Equals(replaced.Text, upsert.Text, StringComparison.Ordinal)
            ? upsert with { Source = InsightSource.Human }
            : upsert;
}

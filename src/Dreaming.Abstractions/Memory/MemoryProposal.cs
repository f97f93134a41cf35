using System.Globalization;

namespace Dreaming;

/// <summary>A new memory version to store as <see cref="MemoryVersionState.Proposed"/>: the full set of its insights.</summary>
public sealed record MemoryProposal
{
    /// <summary>The most missing insight ids a message lists.</summary>
    private const int MaxListedIds = 10;

    /// <summary>What ends an insight's id in the memory shown to the agent (<c>- [id] text</c>): no id may hold it.</summary>
    private const string IdEnd = "] ";

    /// <summary>Gets the scope whose memory this is.</summary>
    public required MemoryScope Scope { get; init; }

    /// <summary>Gets the id of the version this one derives from (usually the active one), or <see langword="null"/> for a first version.</summary>
    public string? ParentVersionId { get; init; }

    /// <summary>Gets the dream run or person writing the version.</summary>
    public required MemoryAuthor Author { get; init; }

    /// <summary>Gets every insight of the new version; ids must be unique and each insight's scope must be <see cref="Scope"/>.</summary>
    public required IReadOnlyList<Insight> Insights { get; init; }

    /// <summary>Gets a note on what changed and why.</summary>
    public string? Note { get; init; }

    /// <summary>Checks the proposal against its parent, as stores do before writing it.</summary>
    /// <param name="parent">The version named by <see cref="ParentVersionId"/>, or <see langword="null"/> when there is none.</param>
    /// <exception cref="ArgumentException">A field is missing or invalid, the parent belongs to another scope, or a dream run
    /// drops insights of the parent (a dream may retire an insight, never remove it). The message names the problem.</exception>
    public void Validate(MemoryVersion? parent)
    {
        ArgumentNullException.ThrowIfNull(Scope, nameof(Scope));
        ArgumentNullException.ThrowIfNull(Author, nameof(Author));
        ArgumentNullException.ThrowIfNull(Insights, nameof(Insights));
        if (!string.Equals(parent?.Id, ParentVersionId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The parent given ('{parent?.Id}') is not the proposal's parent ('{ParentVersionId}').", nameof(parent));
        }

        if (parent is not null && parent.Scope != Scope)
        {
            throw new ArgumentException($"Memory version '{parent.Id}' belongs to scope {parent.Scope}, so it cannot be the parent of a version of {Scope}.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Insights.Count; i++)
        {
            CheckInsight(Insights[i], i, parent);
            if (!ids.Add(Insights[i].Id))
            {
                throw new ArgumentException($"Insight id '{Insights[i].Id}' appears more than once; ids must be unique within a version.");
            }
        }

        if (parent is not null && Author.Kind == MemoryAuthorKind.DreamRun)
        {
            var dropped = parent.Insights.Select(insight => insight.Id).Where(id => !ids.Contains(id)).ToList();
            if (dropped.Count > 0)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Dream run '{Author.Id}' drops {dropped.Count} insight(s) of version '{parent.Id}' ({string.Join(", ", dropped.Take(MaxListedIds))}); a dream may retire an insight but never remove it."));
            }
        }
    }

    /// <summary>The index of the first C0 or C1 control character (CR, LF, NEL, tab, escape among them), DEL or Unicode line or
    /// paragraph separator in <paramref name="text"/>, if any.</summary>
    private static int? ControlCharacterIn(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsControl(text[i]) || text[i] is '\u2028' or '\u2029')
            {
                return i;
            }
        }

        return null;
    }

    // An id holding "] " that the parent already holds was stored before such ids were refused: it is kept, since a dream
    // may never drop it and refusing it would fail every dream, edit and rollback that keeps the insight.
    private static bool HeldBy(MemoryVersion? parent, string id) =>
        parent is not null && parent.Insights.Any(insight => string.Equals(insight?.Id, id, StringComparison.Ordinal));

    private void CheckInsight(Insight insight, int index, MemoryVersion? parent)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"{nameof(Insights)}[{index}]");
        if (insight is null)
        {
            throw new ArgumentException($"{name} is null.");
        }

        var problem = insight switch
        {
            _ when string.IsNullOrWhiteSpace(insight.Id) => "has no id",
            _ when UnpairedSurrogates.IndexOf(insight.Id) >= 0 => "has an id with an unpaired surrogate (not Unicode text; stores keep text as UTF-8, which would change the id)",
            _ when ControlCharacterIn(insight.Id) is int at =>
                string.Create(CultureInfo.InvariantCulture, $"has an id with the control character or line break U+{(int)insight.Id[at]:X4} at index {at} (the id is shown to the agent as [id] on one line of its memory, and cited back)"),
            _ when insight.Id.IndexOf(IdEnd, StringComparison.Ordinal) is >= 0 and var end && !HeldBy(parent, insight.Id) =>
                string.Create(CultureInfo.InvariantCulture, $"has an id holding \"] \" at index {end} (the id is shown to the agent as \"- [id] text\", so a logged request could not tell where it ends)"),
            _ when string.IsNullOrWhiteSpace(insight.Text) => "has no text",
            _ when insight.Scope != Scope => $"belongs to scope {insight.Scope?.ToString() ?? "(none)"}, not to the version's scope {Scope}",
            _ when !Enum.IsDefined(insight.Kind) => $"has an undefined kind ({(int)insight.Kind})",
            _ when !Enum.IsDefined(insight.Status) => $"has an undefined status ({(int)insight.Status})",
            _ when !Enum.IsDefined(insight.Source) => $"has an undefined source ({(int)insight.Source})",
            _ when insight.Helpful < 0 || insight.Harmful < 0 || insight.Seen < 0 => "has a negative counter",
            _ when insight.Triggers is null || insight.Triggers.Tools is null || insight.Triggers.Keywords is null
                || insight.Triggers.Tools.Any(string.IsNullOrWhiteSpace) || insight.Triggers.Keywords.Any(string.IsNullOrWhiteSpace) => "has a missing or blank trigger",
            _ when insight.Evidence is null || insight.Evidence.Any(evidence => evidence is null || string.IsNullOrWhiteSpace(evidence.SessionId)) =>
                "has evidence without a session id",
            _ => null,
        };
        if (problem is not null)
        {
            throw new ArgumentException($"{name} ('{insight.Id}') {problem}.");
        }
    }
}

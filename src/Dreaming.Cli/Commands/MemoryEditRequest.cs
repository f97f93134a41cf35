namespace Dreaming.Cli.Commands;

/// <summary>The options of <c>dreaming memory edit</c>, checked and turned into a <see cref="MemoryEdit"/> of a version.</summary>
/// <remarks>Every mistake is an <see cref="ArgumentException"/> naming the option and the value (exit code 1), found before
/// anything is written.</remarks>
internal sealed class MemoryEditRequest
{
    private readonly IReadOnlyList<string> _add;
    private readonly InsightKind? _kind;
    private readonly IReadOnlyList<string> _tools;
    private readonly IReadOnlyList<string> _keywords;

    public MemoryEditRequest(
        IReadOnlyList<string> add,
        InsightKind? kind,
        IReadOnlyList<string> tools,
        IReadOnlyList<string> keywords,
        IReadOnlyList<string> texts,
        IReadOnlyList<string> retire,
        IReadOnlyList<string> activate,
        IReadOnlyList<string> remove)
    {
        _add = add;
        _kind = kind;
        _tools = tools;
        _keywords = keywords;
        Texts = texts.Select(SplitText).ToList();
        Retire = retire;
        Activate = activate;
        Remove = remove;
    }

    /// <summary>Gets the insights given a new text (<c>--text ID=TEXT</c>), in the order given.</summary>
    public IReadOnlyList<(string Id, string Text)> Texts { get; }

    /// <summary>Gets the ids to retire.</summary>
    public IReadOnlyList<string> Retire { get; }

    /// <summary>Gets the ids to activate.</summary>
    public IReadOnlyList<string> Activate { get; }

    /// <summary>Gets the ids to leave out.</summary>
    public IReadOnlyList<string> Remove { get; }

    /// <summary>Checks what needs no version: something to change, no option named twice for one id or text, and no
    /// --kind, --tool or --keyword without an --add they describe.</summary>
    public void CheckShape()
    {
        if (_add.Count == 0 && Texts.Count == 0 && Retire.Count == 0 && Activate.Count == 0 && Remove.Count == 0)
        {
            throw new ArgumentException("Nothing to change: give --add, --text, --retire, --activate or --remove.");
        }

        if (_add.Count == 0 && (_kind is not null || _tools.Count > 0 || _keywords.Count > 0))
        {
            throw new ArgumentException("--kind, --tool and --keyword describe the insights --add adds; give --add TEXT too.");
        }

        Once(_add, "--add", "text");
        Once(_tools, "--tool", "tool");
        Once(_keywords, "--keyword", "keyword");

        // An insight's status changes once (--retire, --activate or --remove), and its text once; a new text may come with
        // --retire or --activate, never with --remove, which leaves the insight out.
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (option, ids) in new[] { ("--retire", Retire), ("--activate", Activate), ("--remove", Remove) })
        {
            foreach (var id in ids)
            {
                if (!named.TryAdd(id, option))
                {
                    throw new ArgumentException($"Insight '{id}' is named twice ({named[id]} and {option}); name each insight once.");
                }
            }
        }

        var texts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, _) in Texts)
        {
            if (!texts.Add(id))
            {
                throw new ArgumentException($"Insight '{id}' is named twice (--text and --text); give it one new text.");
            }

            if (named.TryGetValue(id, out var option) && option == "--remove")
            {
                throw new ArgumentException($"Insight '{id}' is named twice (--text and --remove): a removed insight keeps no text.");
            }
        }
    }

    /// <summary>The edit of <paramref name="source"/>: the changed insights in place, the added ones after them.</summary>
    /// <param name="source">The version to edit.</param>
    /// <param name="author">The person.</param>
    /// <param name="note">The note, or <see langword="null"/>.</param>
    /// <param name="now">The time the added and changed insights are written.</param>
    /// <returns>The edit, and the insights it adds (with their new ids).</returns>
    /// <exception cref="ArgumentException">An id the version does not have, a status change that changes nothing, a text
    /// the insight has already, or a new or added text another insight of the new version has.</exception>
    public (MemoryEdit Edit, IReadOnlyList<Insight> Added) ToEdit(MemoryVersion source, MemoryAuthor author, string? note, DateTimeOffset now)
    {
        var byId = new Dictionary<string, Insight>(StringComparer.Ordinal);
        foreach (var insight in source.Insights)
        {
            byId.TryAdd(insight.Id, insight);
        }

        var changed = new Dictionary<string, Insight>(StringComparer.Ordinal);
        var order = new List<string>();
        Insight Current(string id, string option)
        {
            if (changed.TryGetValue(id, out var insight))
            {
                return insight;
            }

            if (!byId.TryGetValue(id, out insight))
            {
                throw new ArgumentException($"Memory version '{source.Id}' (v{source.Number} of {source.Scope}) has no insight '{id}' ({option}); 'dreaming memory show {source.Id}' lists its insights.");
            }

            order.Add(id);
            return insight;
        }

        foreach (var (id, text) in Texts)
        {
            var insight = Current(id, "--text");
            if (string.Equals(insight.Text, text, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Insight '{id}' already has that text (--text); nothing to change.");
            }

            changed[id] = insight with { Text = text, Source = InsightSource.Human, UpdatedAt = now };
        }

        SetStatus(Retire, "--retire", InsightStatus.Retired);
        SetStatus(Activate, "--activate", InsightStatus.Active);
        foreach (var id in Remove)
        {
            _ = Current(id, "--remove");
        }

        // Texts are compared with the insights the new version keeps, as this edit leaves them: a --text may not give an
        // insight another one's text (nor two insights one text), and an --add may repeat the old text of one reworded or
        // removed here, not the text of one kept.
        var removed = new HashSet<string>(Remove, StringComparer.Ordinal);
        var kept = source.Insights.Where(i => !removed.Contains(i.Id)).Select(i => changed.GetValueOrDefault(i.Id, i)).ToList();
        foreach (var (id, text) in Texts)
        {
            if (kept.FirstOrDefault(i => i.Id != id && string.Equals(i.Text, text, StringComparison.Ordinal)) is { } other)
            {
                // A retired insight keeps its text in the version, so only another text or --remove of the other one (not
                // given its own --text, which --remove may not come with) leaves one insight with the text.
                var how = Texts.Any(t => string.Equals(t.Id, other.Id, StringComparison.Ordinal))
                    ? "give one of them another text"
                    : $"give '{id}' another text, or --remove {other.Id} (a retired insight keeps its text in the version)";
                throw new ArgumentException($"Insight '{other.Id}' would have the text --text gives insight '{id}' too; {how}.");
            }
        }

        var added = new List<Insight>(_add.Count);
        foreach (var text in _add)
        {
            if (kept.FirstOrDefault(i => string.Equals(i.Text, text, StringComparison.Ordinal)) is { } same)
            {
                var how = same.Status == InsightStatus.Active ? string.Empty : $"; --activate {same.Id} gives it to sessions again";
                throw new ArgumentException($"Memory version '{source.Id}' already has this text as insight '{same.Id}' ({same.Status.ToString().ToLowerInvariant()}) (--add){how}.");
            }

            added.Add(new Insight
            {
                Id = Insight.NewId(),
                Kind = _kind ?? InsightKind.Lesson,
                Text = text,
                Scope = source.Scope,
                Triggers = _tools.Count == 0 && _keywords.Count == 0 ? InsightTriggers.None : new InsightTriggers { Tools = [.. _tools], Keywords = [.. _keywords] },

                // Active: only active insights are given to sessions, and a dream's budget never holds a person's back nor
                // activates a proposed one of theirs, so a human insight left proposed would never be given to anyone.
                Status = InsightStatus.Active,
                Source = InsightSource.Human,
                CreatedAt = now,
                UpdatedAt = now,
            });
        }

        var upserts = order.Where(changed.ContainsKey).Select(id => changed[id]).Concat(added).ToList();
        return (new MemoryEdit { Author = author, Upserts = upserts, Removals = [.. Remove], Note = note }, added);

        void SetStatus(IReadOnlyList<string> ids, string option, InsightStatus status)
        {
            foreach (var id in ids)
            {
                var insight = Current(id, option);
                if (insight.Status == status)
                {
                    throw new ArgumentException($"Insight '{id}' is already {status.ToString().ToLowerInvariant()} ({option}); nothing to change.");
                }

                changed[id] = insight with { Status = status, UpdatedAt = now };
            }
        }
    }

    private static void Once(IReadOnlyList<string> values, string option, string what)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            if (!seen.Add(value))
            {
                throw new ArgumentException($"{option} names the {what} '{value}' twice.");
            }
        }
    }

    private static (string Id, string Text) SplitText(string value)
    {
        var at = value.IndexOf('=', StringComparison.Ordinal);
        return at <= 0 || string.IsNullOrWhiteSpace(value[(at + 1)..])
            ? throw new ArgumentException($"--text takes ID=TEXT, an insight id, '=' and its new text; got '{value}'.")
            : (value[..at], value[(at + 1)..]);
    }
}

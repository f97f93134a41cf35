using System.Buffers;
using System.Text;

namespace Dreaming;

/// <summary>Chooses and renders the insights a session is given: the active ones most relevant to its task and tools,
/// weighted by how often they helped, that fit a token budget. <c>UseDreaming()</c> ranks a session's agent, team and
/// global memory together this way, under one budget.</summary>
/// <remarks>Relevance is word overlap with the task plus a bonus for each tool the insight is about that the session can
/// call; usefulness is (helpful + 1) / (harmful + 1); at equal rank, the insight with more evidence sessions (each session
/// once, however many of its events the evidence names) comes first, then the smaller id. The rank decides which insights are given; they are written in a
/// fixed order, that of their versions (agent, team, global) and of their places in each version, so sessions given the
/// same insights of the same versions get the same text whatever their tasks (a prefix a provider can cache). Each
/// insight is one line, <c>- [id] text</c>, with line breaks and other control characters of its id and text given as
/// spaces. Deterministic and thread-safe.</remarks>
public static class InsightRanker
{
    /// <summary>The first line of the rendered memory when every insight given is of an agent's own memory
    /// (<see cref="MemoryScopeKind.Agent"/>).</summary>
    /// <remarks>Memory that includes a team's or the global insights starts with <see cref="SharedHeader"/> instead.</remarks>
    public const string Header = "Lessons from this agent's earlier sessions (cite an id in brackets when you act on one):";

    /// <summary>The first line of the rendered memory when it includes insights of a team's or the global memory
    /// (<see cref="MemoryScopeKind.Team"/>, <see cref="MemoryScopeKind.Global"/>), which were not all learnt from this
    /// agent's sessions.</summary>
    public const string SharedHeader = "Lessons from earlier sessions (cite an id in brackets when you act on one):";

    /// <summary>The largest <see cref="DreamingOptions.MemoryTokenBudget"/> (its validation): the memory <c>UseDreaming()</c>
    /// gives a session is at most four times as many characters, its header included.</summary>
    internal const int MaxTokenBudget = 100_000;

    /// <summary>The characters a token of the budget stands for: the memory of a budget of N tokens is at most
    /// N times as many characters, its header included.</summary>
    internal const int CharactersPerToken = 4;

    // The budget is reckoned with the longer header before it is known which one the memory gets, so the insights that fit
    // do not depend on it: memory of an agent alone fits exactly the insights it always did.
    private static readonly int s_headerReserve = Math.Max(Header.Length, SharedHeader.Length);

    /// <summary>The longest insight line (<c>- [id] text</c>, without its line break) of any memory <c>UseDreaming()</c>
    /// renders, whose budget is at most <see cref="MaxTokenBudget"/>: an imported log's line longer than it is not of such a
    /// memory.</summary>
    internal static readonly int MaxLineLength = checked((MaxTokenBudget * CharactersPerToken) - s_headerReserve - 1);

    // C0 and C1 controls (CR, LF, NEL, form feed and escapes among them), DEL, and the Unicode line and paragraph separators.
    private static readonly SearchValues<char> s_breaks = SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(c => (char)c)) + "\u2028\u2029");

    /// <summary>Ranks, caps and renders.</summary>
    /// <param name="version">The active memory version.</param>
    /// <param name="task">The session's task.</param>
    /// <param name="toolNames">The tools the session can call; a name longer than <see cref="ToolCallEvent.MaxToolNameLength"/>
    /// matches an insight's tool in the capped form its calls were recorded under.</param>
    /// <param name="tokenBudget">The budget, in tokens (four characters each); 1 or more.</param>
    /// <returns>The rendered memory, or <see langword="null"/> when no insight is active or fits: the insights chosen by
    /// rank, written in their order in <paramref name="version"/>. It starts with <see cref="Header"/> for an agent's
    /// version, with <see cref="SharedHeader"/> for a team's or the global one.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tokenBudget"/> is 0 or less.</exception>
    public static InjectedMemory? Render(MemoryVersion version, string task, IEnumerable<string> toolNames, int tokenBudget)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(toolNames);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokenBudget);
        return Render([(version, null)], task, toolNames, tokenBudget);
    }

    /// <summary>Ranks the active insights of several versions together (a session's agent, team and global memory), caps
    /// them to the one budget and renders them as one message, each with its id, in the order of the versions and of their
    /// places in each (not by rank); an id is given once, from the version whose insight of that id ranks higher (the
    /// earlier version at equal rank).</summary>
    /// <param name="versions">The versions, in the order agent, team, global, each with the scope its event records
    /// (<see langword="null"/> for the agent's).</param>
    /// <param name="task">The session's task.</param>
    /// <param name="toolNames">The tools the session can call.</param>
    /// <param name="tokenBudget">The budget, in tokens; 1 or more.</param>
    /// <returns>The rendered memory with one event per version given insights, or <see langword="null"/>. It starts with
    /// <see cref="SharedHeader"/> when an insight of a team's or the global version is given, else with <see cref="Header"/>.</returns>
    internal static InjectedMemory? Render(IReadOnlyList<(MemoryVersion Version, MemoryScope? EventScope)> versions, string task, IEnumerable<string> toolNames, int tokenBudget)
    {
        var taskWords = new HashSet<string>(MemoryCurator.Words(task), StringComparer.OrdinalIgnoreCase);
        // As recorded: an insight's tools are mined from stored calls, whose names past the cap are capped (RecordedIdentifiers).
        var tools = toolNames.Select(static name => RecordedIdentifiers.ToolName(name)!).ToHashSet(StringComparer.Ordinal);

        // Sorted stably: at equal rank, an insight of an earlier version (the agent's) comes first.
        var ranked = versions
            .SelectMany((v, index) => v.Version.Insights
                .Select((i, position) => (Insight: i, Version: index, Position: position))
                .Where(x => x.Insight.Status == InsightStatus.Active))
            .Select(x => (x.Insight, x.Version, x.Position, Score: Score(x.Insight, taskWords, tools)))
            .OrderByDescending(x => x.Score)
            .ThenByDescending(x => EvidenceSessions.Count(x.Insight.Evidence))
            .ThenBy(x => x.Insight.Id, StringComparer.Ordinal);

        // In 64 bits: four characters a token of a large budget (int.MaxValue) overflowed an int, to a negative budget.
        var budget = (tokenBudget * (long)CharactersPerToken) - s_headerReserve;
        var chosen = new List<(int Version, int Position, string Id, string Line)>();
        HashSet<string>? given = versions.Count > 1 ? new(StringComparer.Ordinal) : null;
        foreach (var (insight, index, position, _) in ranked)
        {
            // One-lining keeps the length ("\n- [" + id + "] " + text): an insight that cannot fit is left out before its line
            // is built, so a huge text (megabytes) costs no copy of itself at every session's start.
            if (6L + insight.Id.Length + insight.Text.Length > budget || given?.Contains(insight.Id) == true)
            {
                continue;
            }

            // The id is one-lined too: a store that does not check ids (MemoryProposal.Validate refuses control characters)
            // must not let one start lines of its own.
            var line = $"\n- [{OneLine(insight.Id)}] {OneLine(insight.Text)}";
            if (line.Length > budget)
            {
                continue;
            }

            budget -= line.Length;
            chosen.Add((index, position, insight.Id, line));
            given?.Add(insight.Id);
        }

        if (chosen.Count == 0)
        {
            return null;
        }

        // The rank chooses which insights are given, not where they stand: written in the order of their versions (agent,
        // team, global) and of their places in each, the same insights of the same versions are the same bytes whatever
        // the task, so sessions share them as a prefix a provider caches (a version's order is also the one a person
        // reviews). Their text says nothing of rank, so the model is told the same as before.
        chosen.Sort(static (a, b) => a.Version != b.Version ? a.Version.CompareTo(b.Version) : a.Position.CompareTo(b.Position));
        var text = new StringBuilder(Header);
        var ids = new List<string>(chosen.Count);
        var byVersion = new List<string>?[versions.Count];
        foreach (var (index, _, id, line) in chosen)
        {
            text.Append(line);
            ids.Add(id);
            (byVersion[index] ??= []).Add(id);
        }

        var events = new List<InsightsInjectedEvent>(versions.Count);
        var shared = false;
        for (var i = 0; i < versions.Count; i++)
        {
            if (byVersion[i] is { } versionIds)
            {
                events.Add(new InsightsInjectedEvent { MemoryVersionId = versions[i].Version.Id, InsightIds = versionIds, Scope = versions[i].EventScope });
                shared |= versions[i].Version.Scope?.Kind is MemoryScopeKind.Team or MemoryScopeKind.Global;
            }
        }

        if (shared)
        {
            // Not "this agent's": a team's or the global lessons were learnt from other agents' sessions too.
            text.Remove(0, Header.Length).Insert(0, SharedHeader);
        }

        return new InjectedMemory(events[0].MemoryVersionId, ids, text.ToString()) { Given = events };
    }

    // Line breaks (of any kind) and other control characters become spaces: each insight is one bullet, and text mined from
    // tool output or written by a model cannot add bullets with ids the session was never given, or a header of its own.
    private static string OneLine(string text)
    {
        if (text.AsSpan().IndexOfAny(s_breaks) < 0)
        {
            return text;
        }

        return string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = s_breaks.Contains(source[i]) ? ' ' : source[i];
            }
        });
    }

    // Counts the words of the text that the task has, scanning spans so that ranking thousands of insights allocates nothing
    // per insight.
    private static int Overlap(string text, HashSet<string> taskWords)
    {
        var lookup = taskWords.GetAlternateLookup<ReadOnlySpan<char>>();
        var count = 0;
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && char.IsLetter(text[i]))
            {
                if (start < 0)
                {
                    start = i;
                }
            }
            else if (start >= 0)
            {
                if (i - start > 2 && lookup.Contains(text.AsSpan(start, i - start)))
                {
                    count++;
                }

                start = -1;
            }
        }

        return count;
    }

    private static double Score(Insight insight, HashSet<string> taskWords, HashSet<string> tools)
    {
        var relevance = 1.0 + Overlap(insight.Text, taskWords) + insight.Triggers.Keywords.Count(taskWords.Contains);
        relevance += 3 * insight.Triggers.Tools.Count(tools.Contains);
        return relevance * (insight.Helpful + 1.0) / (insight.Harmful + 1.0);
    }
}

namespace Dreaming;

/// <summary>The patterns counted so far, at most a fixed number of them, so that memory does not grow with the number of events.</summary>
internal sealed class PatternTable(int maxPatterns, int maxEvidence, int minScopes = 1)
{
    private readonly Dictionary<PatternKey, PatternAccumulator> _patterns = [];

    // Whether each rubric criterion (rubric/criterion) is required, as its latest verdict that says recorded it.
    private readonly Dictionary<string, (DateTimeOffset At, bool Required)> _required = new(StringComparer.Ordinal);

    public int Count => _patterns.Count;

    public long OccurrencesNotCounted { get; private set; }

    public IEnumerable<PatternAccumulator> Patterns => _patterns.Values;

    /// <summary>Returns the pattern's accumulator, or <see langword="null"/> when it is new and the table is full.</summary>
    public PatternAccumulator? Get(string pattern, string? tool, string signature)
    {
        var key = new PatternKey(pattern, tool, signature);
        if (_patterns.TryGetValue(key, out var accumulator))
        {
            return accumulator;
        }

        if (_patterns.Count >= maxPatterns)
        {
            OccurrencesNotCounted++;
            return null;
        }

        accumulator = new PatternAccumulator(key, maxEvidence, minScopes);
        _patterns.Add(key, accumulator);
        return accumulator;
    }

    /// <summary>Notes a verdict's record of whether its criterion is required: the latest by time decides (of two at the
    /// same time, required). At most as many criteria as patterns are noted.</summary>
    public void NoteRequired(string signature, bool required, DateTimeOffset at)
    {
        if (_required.TryGetValue(signature, out var known))
        {
            if (at > known.At || (at == known.At && required))
            {
                _required[signature] = (at, required);
            }
        }
        else if (_required.Count < maxPatterns)
        {
            _required.Add(signature, (at, required));
        }
    }

    /// <summary>Whether the latest verdict of a rubric criterion recorded it as required (<see langword="false"/> when no
    /// verdict said).</summary>
    public bool IsRequired(string signature) => _required.TryGetValue(signature, out var known) && known.Required;
}

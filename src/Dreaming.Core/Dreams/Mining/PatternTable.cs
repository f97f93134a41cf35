namespace Dreaming;

/// <summary>The patterns counted so far, at most a fixed number of them, so that memory does not grow with the number of events.</summary>
internal sealed class PatternTable(int maxPatterns, int maxEvidence, int minScopes = 1)
{
    private readonly Dictionary<PatternKey, PatternAccumulator> _patterns = [];

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
}

using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Dreaming;

/// <summary>The patterns counted so far, at most a fixed number of them, so that memory does not grow with the number of events.</summary>
internal sealed class PatternTable(int maxPatterns, int maxEvidence, int minScopes = 1)
{
    private readonly Dictionary<PatternKey, PatternAccumulator> _patterns = [];

    // Whether each rubric criterion (rubric/criterion) that is not a pattern yet is required, as its latest verdict that
    // says recorded it: a criterion's verdicts may all be met until a later session fails it. Kept only while the table has
    // room for the criterion to become a pattern, so at most as many as that room; a pattern keeps its own.
    private Dictionary<string, RequiredRecord> _pending = new(StringComparer.Ordinal);

    // The latest time of a verdict that was not noted for lack of room, by a hash of its criterion (criteria share a slot):
    // a criterion that becomes a pattern later keeps no record of it, and it may be later than any the pattern keeps (the
    // sessions are read in any order). Made at the first such verdict, of a fixed size whatever the history.
    private long[]? _unnotedAt;

    private const int UnnotedSlots = 1024;

    public int Count => _patterns.Count;

    public long OccurrencesNotCounted { get; private set; }

    /// <summary>Gets how many criteria that are not patterns have a record of whether they are required.</summary>
    public int PendingCriteria => _pending.Count;

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
        if (pattern == FindingKinds.RubricCriterion && _pending.Remove(signature, out var noted))
        {
            accumulator.Required = noted;
        }

        if (_patterns.Count >= maxPatterns && _pending.Count > 0)
        {
            // No criterion can become a pattern any more: what was noted of those that are not is of no use.
            _pending = new Dictionary<string, RequiredRecord>(StringComparer.Ordinal);
        }

        return accumulator;
    }

    /// <summary>Notes a verdict's record of whether its criterion is required: the latest by time decides (of two at the
    /// same time, required). A criterion that is not a pattern is noted only while the table has room for it to become one,
    /// as many as that room.</summary>
    public void NoteRequired(string signature, bool required, DateTimeOffset at)
    {
        var verdict = new RequiredRecord(at, required);
        if (_patterns.TryGetValue(new PatternKey(FindingKinds.RubricCriterion, null, signature), out var pattern))
        {
            pattern.Required = RequiredRecord.Latest(pattern.Required, verdict);
        }
        else if (_pending.TryGetValue(signature, out var known))
        {
            _pending[signature] = RequiredRecord.Latest(known, verdict);
        }
        else if (_pending.Count < maxPatterns - _patterns.Count)
        {
            _pending.Add(signature, verdict);
        }
        else if (_patterns.Count < maxPatterns)
        {
            if (_unnotedAt is null)
            {
                _unnotedAt = new long[UnnotedSlots];
                Array.Fill(_unnotedAt, long.MinValue);
            }

            ref var latest = ref _unnotedAt[Slot(signature)];
            latest = Math.Max(latest, at.UtcTicks);
        }
    }

    /// <summary>Whether the latest verdict of a rubric criterion's pattern recorded it as required: <see langword="false"/>
    /// when none did, and when a verdict of the criterion (or of one sharing its slot) was not noted for lack of room and is
    /// later than the pattern's record, as that verdict may say otherwise.</summary>
    public bool IsRequired(PatternAccumulator pattern) =>
        pattern.Required is { Required: true } record
        && (_unnotedAt is null || record.At.UtcTicks >= _unnotedAt[Slot(pattern.Key.Signature)]);

    private static int Slot(string signature) =>
        (int)(XxHash3.HashToUInt64(MemoryMarshal.AsBytes(signature.AsSpan())) % UnnotedSlots);
}

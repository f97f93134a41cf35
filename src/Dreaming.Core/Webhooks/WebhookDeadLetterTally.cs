namespace Dreaming;

/// <summary>The rows of one dispatcher pass made dead letters without an attempt because their endpoint is disabled (in
/// the outbox or in configuration) or no longer configured, counted by endpoint, so the pass logs one line per endpoint
/// rather than one per row (an endpoint disabled with 200 rows pending would otherwise log 200 errors).</summary>
/// <remarks>Thread-safe: the pass's attempts run in parallel. The pass holds it while it starts attempts and each attempt
/// while it runs; the last to let go gets the counts, once.</remarks>
internal sealed class WebhookDeadLetterTally
{
    private readonly Lock _lock = new();
    private Dictionary<string, (string Reason, int Count)>? _byEndpoint;
    private int _holders = 1;

    /// <summary>Counts one more holder (an attempt started by the pass).</summary>
    public void Hold() => Interlocked.Increment(ref _holders);

    /// <summary>Counts a row of <paramref name="endpointId"/> made a dead letter; the first reason of an endpoint is kept.</summary>
    public void Add(string endpointId, string reason)
    {
        lock (_lock)
        {
            _byEndpoint ??= new Dictionary<string, (string, int)>(StringComparer.Ordinal);
            _byEndpoint[endpointId] = _byEndpoint.TryGetValue(endpointId, out var seen) ? (seen.Reason, seen.Count + 1) : (reason, 1);
        }
    }

    /// <summary>Lets go of the tally; returns the counts by endpoint (ordinal order) to the last holder, once, else
    /// <see langword="null"/>.</summary>
    public IReadOnlyList<(string EndpointId, string Reason, int Count)>? Release()
    {
        if (Interlocked.Decrement(ref _holders) != 0)
        {
            return null;
        }

        lock (_lock)
        {
            if (_byEndpoint is null)
            {
                return null;
            }

            var counts = _byEndpoint.Select(p => (p.Key, p.Value.Reason, p.Value.Count)).OrderBy(c => c.Key, StringComparer.Ordinal).ToList();
            _byEndpoint = null;
            return counts;
        }
    }
}

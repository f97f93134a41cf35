namespace Dreaming;

/// <summary>Remembers the signatures of recent error texts: the same few errors recur across thousands of sessions, and normalising is the costly step.</summary>
internal sealed class SignatureCache
{
    private const int MaxEntries = 4096;
    private const int MaxCachedTextLength = 2048;

    private readonly Dictionary<string, (string Line, string Signature)> _entries = new(StringComparer.Ordinal);

    /// <summary>Returns the error line of a text and its signature.</summary>
    public (string Line, string Signature) Get(string? text)
    {
        text ??= string.Empty;
        if (_entries.TryGetValue(text, out var cached))
        {
            return cached;
        }

        var line = ErrorSignature.SelectErrorLine(text);
        var entry = (line, ErrorSignature.NormalizeLine(line));
        if (text.Length <= MaxCachedTextLength)
        {
            // Clearing rather than evicting one by one keeps the cache simple; a full cache means errors rarely repeat anyway.
            if (_entries.Count >= MaxEntries)
            {
                _entries.Clear();
            }

            _entries[text] = entry;
        }

        return entry;
    }
}

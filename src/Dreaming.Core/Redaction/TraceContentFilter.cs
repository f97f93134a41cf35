using System.Globalization;
using Microsoft.Extensions.Options;

namespace Dreaming;

/// <summary>Applies every registered redactor, then the size limit, to text before it is recorded.</summary>
internal sealed class TraceContentFilter
{
    private readonly ITraceContentRedactor[] _redactors;
    private const int ScanMargin = 1024;
    private const int MaxScanRounds = 4;
    private readonly int _maxLength;
    private static TraceContentFilter? s_builtIn;

    public TraceContentFilter(IEnumerable<ITraceContentRedactor> redactors, IOptions<DreamingOptions> options)
    {
        var value = options.Value;
        _redactors = value.RedactSecrets
            ? redactors.ToArray()
            : redactors.Where(r => r is not SecretPatternRedactor).ToArray();
        _maxLength = value.MaxContentLength;
    }

    public TraceContentFilter(IReadOnlyList<ITraceContentRedactor> redactors, int maxLength)
    {
        _redactors = [.. redactors];
        _maxLength = maxLength;
    }

    /// <summary>Gets the filter of a default registration (the built-in secret patterns, the default size limit): what
    /// publishing falls back on when a component was constructed without the container that holds the registered one.</summary>
    public static TraceContentFilter BuiltIn => s_builtIn ??= new([new SecretPatternRedactor()], new DreamingOptions().MaxContentLength);

    public string Apply(string text)
    {
        var originalLength = text.Length;

        // Text past the limit is discarded anyway, so scanning it would only cost time; the margin keeps a secret that
        // straddles the limit whole long enough to be recognised. A secret cut at the end of the scan is not recognised,
        // so what is kept must lie at least the margin before that end. When redaction shrank the text so much that it
        // does not (a long token became [REDACTED:jwt]), twice as much is scanned, at most MaxScanRounds times; if the
        // text still falls short (or stopped growing), only what lies the margin before the end of the scan is kept.
        var wanted = _maxLength + ScanMargin;
        var scanLength = (long)wanted;
        var previousLength = -1;
        for (var round = 1; ; round++)
        {
            if (originalLength <= scanLength)
            {
                return Truncate(Redact(text), _maxLength, originalLength);
            }

            var redacted = Redact(text[..(int)scanLength]);
            if (redacted.Length >= wanted)
            {
                return Truncate(redacted, _maxLength, originalLength);
            }

            if (round == MaxScanRounds || redacted.Length <= previousLength)
            {
                return Truncate(redacted, Math.Max(0, redacted.Length - ScanMargin), originalLength);
            }

            previousLength = redacted.Length;
            scanLength *= 2;
        }
    }

    public string? ApplyNullable(string? text) => text is null ? null : Apply(text);

    private string Redact(string text)
    {
        foreach (var redactor in _redactors)
        {
            text = redactor.Redact(text);
        }

        return text;
    }

    internal static string Truncate(string text, int maxLength, int originalLength)
    {
        if (text.Length <= maxLength && originalLength <= maxLength)
        {
            return text;
        }

        var cut = Math.Min(maxLength, text.Length);
        if (cut > 0 && char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return string.Concat(text.AsSpan(0, cut), string.Create(CultureInfo.InvariantCulture, $"...[truncated: original length {originalLength} chars]"));
    }
}

using System.Globalization;
using Microsoft.Extensions.Options;

namespace Dreaming;

/// <summary>Applies every registered redactor, then the size limit, to text before it is recorded.</summary>
internal sealed class TraceContentFilter
{
    private readonly ITraceContentRedactor[] _redactors;
    private const int ScanMargin = 1024;
    private readonly int _maxLength;

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

    public string Apply(string text)
    {
        var originalLength = text.Length;

        // Text past the limit is discarded anyway, so scanning it would only cost time; the margin keeps a secret that
        // straddles the limit whole long enough to be recognised.
        if (originalLength > _maxLength + ScanMargin)
        {
            text = text[..(_maxLength + ScanMargin)];
        }

        foreach (var redactor in _redactors)
        {
            text = redactor.Redact(text);
        }

        return Truncate(text, _maxLength, originalLength);
    }

    public string? ApplyNullable(string? text) => text is null ? null : Apply(text);

    internal static string Truncate(string text, int maxLength, int originalLength)
    {
        if (text.Length <= maxLength && originalLength <= maxLength)
        {
            return text;
        }

        var cut = Math.Min(maxLength, text.Length);
        if (char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return string.Concat(text.AsSpan(0, cut), string.Create(CultureInfo.InvariantCulture, $"...[truncated: original length {originalLength} chars]"));
    }
}

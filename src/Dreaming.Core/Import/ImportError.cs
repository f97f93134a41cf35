using System.Globalization;
using System.Text;

namespace Dreaming;

/// <summary>Why one element of an import source could not be read, and where it is.</summary>
public sealed record ImportError
{
    /// <summary>Gets the name of the source, usually the file name.</summary>
    public required string SourceName { get; init; }

    /// <summary>Gets the 0-based index of the element (array item or non-blank JSON line), or <see langword="null"/> when the error concerns the whole source.</summary>
    public int? Index { get; init; }

    /// <summary>Gets the 1-based line number, when known: always for JSON Lines, for syntax errors in a JSON array.</summary>
    public long? LineNumber { get; init; }

    /// <summary>Gets what is wrong with the element.</summary>
    public required string Message { get; init; }

    /// <summary>Returns the error as one line that names the source, the element and the line, for example
    /// <c>sessions.jsonl element 3 (line 4): "messages" is missing or not an array</c>.</summary>
    /// <returns>The error as text.</returns>
    public override string ToString()
    {
        var text = new StringBuilder(SourceName);
        if (Index is { } index)
        {
            text.Append(CultureInfo.InvariantCulture, $" element {index}");
        }

        if (LineNumber is { } line)
        {
            text.Append(CultureInfo.InvariantCulture, $" (line {line})");
        }

        return text.Append(": ").Append(Message).ToString();
    }
}

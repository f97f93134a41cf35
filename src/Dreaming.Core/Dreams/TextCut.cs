namespace Dreaming;

/// <summary>Cuts text to a length without splitting a character: a surrogate pair is kept whole or left out, never halved
/// (half a pair is not valid UTF-16 and is stored, serialised or sent to a model as garbage).</summary>
internal static class TextCut
{
    /// <summary>Returns the longest start of <paramref name="text"/> of at most <paramref name="maxLength"/> characters that ends on a whole character.</summary>
    public static ReadOnlySpan<char> Start(string text, int maxLength)
    {
        if (text.Length <= maxLength)
        {
            return text;
        }

        var length = maxLength;
        if (length > 0 && char.IsHighSurrogate(text[length - 1]))
        {
            length--;
        }

        return text.AsSpan(0, length);
    }

    /// <summary>Returns <paramref name="text"/> when it has at most <paramref name="maxLength"/> characters; otherwise its
    /// start, cut on a whole character, followed by <paramref name="ellipsis"/>, at most <paramref name="maxLength"/> characters in all.</summary>
    public static string WithEllipsis(string text, int maxLength, string ellipsis) =>
        text.Length <= maxLength ? text : string.Concat(Start(text, maxLength - ellipsis.Length), ellipsis);
}

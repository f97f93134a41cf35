using System.Text.Json;

namespace Dreaming;

/// <content>Masks the values of a failing call's own arguments that its error echoes.</content>
public static partial class ErrorSignature
{
    // Values shorter than this are too likely to be part of the error's fixed words.
    private const int MinEchoedValueLength = 4;
    private const int MaxArgumentDepth = 64;

    /// <summary>Replaces, in a signature, each word equal to a code-like string value of the failing call's own arguments
    /// by <c>&lt;id&gt;</c>: an error that echoes what it was sent (<c>reservation HXDUBJ not found</c>) is the same error
    /// whatever was sent, even when the value has no digit to make it an id by itself.</summary>
    /// <remarks>
    /// A value counts when it is one word of at least four letters, digits, <c>_</c> or <c>-</c> that is not all lower-case
    /// letters (a plain word such as <c>economy</c> or <c>failed</c> may be the error's own) and not only digits (numbers
    /// are <c>&lt;num&gt;</c> already). Words are matched whole and case-sensitively. Arguments that are not a JSON object
    /// or array, or are not valid JSON, change nothing. Thread-safe (no state).
    /// </remarks>
    internal static string MaskEchoedArguments(string signature, string? arguments)
    {
        if (string.IsNullOrWhiteSpace(arguments) || signature.Length < MinEchoedValueLength || arguments.AsSpan().TrimStart() is not ['{' or '[', ..])
        {
            return signature;
        }

        if (!EchoesAnyWord(signature, arguments))
        {
            return signature; // the usual case: no word of the error is in the arguments' text, so nothing to parse
        }

        HashSet<string>? values = null;
        try
        {
            using var document = JsonDocument.Parse(arguments, new JsonDocumentOptions { MaxDepth = MaxArgumentDepth });
            CollectValues(document.RootElement, signature, ref values);
        }
        catch (JsonException)
        {
            return signature;
        }

        if (values is null)
        {
            return signature;
        }

        var masked = EchoedWord().Replace(signature, match => values.Contains(match.Value) ? "<id>" : match.Value);
        return RepeatedPlaceholder().Replace(masked, "$1");
    }

    private static void CollectValues(JsonElement element, string signature, ref HashSet<string>? values)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    CollectValues(property.Value, signature, ref values);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    CollectValues(item, signature, ref values);
                }

                break;
            case JsonValueKind.String when element.GetString() is { } value && IsCodeLike(value) && signature.Contains(value, StringComparison.Ordinal):
                (values ??= new HashSet<string>(StringComparer.Ordinal)).Add(value);
                break;
        }
    }

    // Whether some code-like word of the signature appears anywhere in the arguments' text: without one, no argument value
    // can be echoed, and the arguments need not be parsed (no allocation).
    private static bool EchoesAnyWord(string signature, string arguments)
    {
        if (arguments.Contains('\\', StringComparison.Ordinal))
        {
            return true; // a value may be written with escapes (\u0048XDUBJ): only the parsed value tells
        }

        foreach (var match in EchoedWord().EnumerateMatches(signature))
        {
            var word = signature.AsSpan(match.Index, match.Length);
            if (IsCodeLike(word) && arguments.AsSpan().Contains(word, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsCodeLike(ReadOnlySpan<char> value)
    {
        if (value.Length < MinEchoedValueLength)
        {
            return false;
        }

        bool allLower = true, allDigits = true;
        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '_' and not '-')
            {
                return false;
            }

            allLower &= char.IsAsciiLetterLower(c);
            allDigits &= char.IsAsciiDigit(c);
        }

        return !allLower && !allDigits;
    }

    // A whole word of the characters a code-like value may hold; a placeholder's name is inside <…> and all lower-case.
    [System.Text.RegularExpressions.GeneratedRegex(@"(?<![\w-])[\w-]{4,}(?![\w-])", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex EchoedWord();
}

using System.Globalization;

namespace Dreaming;

/// <summary>Why a person's one-line text (a reviewer's name, an audit field) cannot be recorded and logged as one line:
/// the CLI's <c>--by</c> and <c>--note</c> and the agent view's reviewer name refuse the same characters.</summary>
/// <remarks>Shared source, compiled into each assembly that needs it (internal in each).</remarks>
internal static class OneLineTextProblem
{
    /// <summary>Names the first character of <paramref name="value"/> that is a control character, a line or paragraph
    /// separator, a bidirectional override or isolate, or half a surrogate pair, with its code point and index ("the line
    /// break U+2028 at index 3"); <see langword="null"/> for text in any script, with combining marks or emoji.</summary>
    /// <param name="value">The text.</param>
    public static string? Of(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;   // a whole character outside the BMP (an emoji)
                continue;
            }

            var what = c switch
            {
                _ when char.IsControl(c) => "the control character",
                '\u2028' or '\u2029' => "the line break",
                >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' => "the bidirectional override or isolate",
                _ when char.IsSurrogate(c) => "half a character (an unpaired surrogate)",
                _ => null,
            };
            if (what is not null)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{what} U+{(int)c:X4} at index {i}");
            }
        }

        return null;
    }
}

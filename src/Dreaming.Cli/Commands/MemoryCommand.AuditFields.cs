using System.CommandLine;
using System.Globalization;
using Dreaming.Cli.Output;

namespace Dreaming.Cli.Commands;

/// <summary>The one-line audit fields of <c>memory approve|reject|rollback|edit</c>: <c>--by</c> and <c>--note</c>.</summary>
internal static partial class MemoryCommand
{
    /// <summary>The --note of reject, rollback and edit.</summary>
    private static Option<string?> NoteOption(string description) =>
        AuditField(new Option<string?>("--note") { HelpName = "TEXT", Description = description });

    // --by and --note are one line of text kept with the version for the record. A line break, a terminal escape (ESC, CSI)
    // or a bidirectional override or isolate was stored as given and only escaped when shown, so the record itself could
    // hold a forged second line or text reordered for whoever reads it elsewhere; such a value is refused as a parse error
    // naming the option, the character's code point and its index, before anything is written. Other Unicode (accents, CJK,
    // emoji) is kept as given.
    private static Option<T> AuditField<T>(Option<T> option)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<T>() is string value && AuditFieldProblem(value) is { } problem)
            {
                result.AddError($"{option.Name} '{Text.Cut(Text.OneLine(WholeCharactersShown(value)), 40)}' {problem}; {option.Name} is one line of text, kept for the record.");
            }
        });
        return option;
    }

    private static string? AuditFieldProblem(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;   // a whole character outside the BMP (an emoji)
                continue;
            }

            string? what = c switch
            {
                _ when char.IsControl(c) => "the control character",
                '\u2028' or '\u2029' => "the line break",
                >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' => "the bidirectional override or isolate",
                _ when char.IsSurrogate(c) => "half a character (an unpaired surrogate)",
                _ => null,
            };
            if (what is not null)
            {
                return string.Create(CultureInfo.InvariantCulture, $"has {what} U+{(int)c:X4} at index {i}");
            }
        }

        return null;
    }
}

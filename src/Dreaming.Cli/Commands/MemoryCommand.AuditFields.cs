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

    private static string? AuditFieldProblem(string value) => OneLineTextProblem.Of(value) is { } problem ? "has " + problem : null;
}

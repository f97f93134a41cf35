using System.CommandLine;
using System.Globalization;
using Dreaming.Cli.Output;

namespace Dreaming.Cli.Commands;

/// <summary><c>dreaming memory edit V</c>: a person's changes to a version (add, reword, retire, activate or remove
/// insights), stored by <see cref="IMemoryStore.EditAsync"/> as a new proposed version for <c>memory approve</c>.</summary>
internal static partial class MemoryCommand
{
    private static Command Edit(CommonOptions common, TextWriter output, TextWriter error)
    {
        var id = new Argument<string>("version") { Description = "The version to edit (in any state); it is not changed." };
        var add = Texts(new("--add") { HelpName = "TEXT", Description = "Add an insight with this text, written by a person (source human) and active once the version is approved. Repeatable." });
        var kind = CommonOptions.Choice(new Option<InsightKind?>("--kind") { Description = "The kind of every insight --add adds." }, InsightKind.Lesson);
        var tool = Texts(new("--tool") { HelpName = "NAME", Description = "A tool the insights --add adds are about (a trigger). Repeatable; applies to every --add." });
        var keyword = Texts(new("--keyword") { HelpName = "WORD", Description = "A task keyword that makes the insights --add adds relevant (a trigger). Repeatable; applies to every --add." });
        var text = Texts(new("--text") { HelpName = "ID=TEXT", Description = "ID=TEXT: give insight ID this text (ID is what comes before the first '='); it becomes a person's (source human). Repeatable." });
        var retire = Texts(new("--retire") { HelpName = "ID", Description = "Retire this insight: kept in the version, no longer given to sessions. Repeatable." });
        var activate = Texts(new("--activate") { HelpName = "ID", Description = "Make this retired, quarantined or proposed insight active again. Repeatable." });
        var remove = Texts(new("--remove") { HelpName = "ID", Description = "Leave this insight out of the new version (earlier versions keep it; --retire is usually better). Repeatable." });
        var by = NotAnOptionName(ByOption());
        var note = NotAnOptionName(NoteOption("What changed and why, for the record."));
        var noWebhooks = CliServices.NoWebhooksOption();
        var command = new Command("edit", "Change a version's insights as a person: the result is a new proposed version, to approve with 'dreaming memory approve'.")
        {
            id, add, kind, tool, keyword, text, retire, activate, remove, by, note, noWebhooks,
        };
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            var webhooks = !parse.GetValue(noWebhooks);
            var changes = new MemoryEditRequest(
                parse.GetValue(add) ?? [],
                parse.GetValue(kind),
                parse.GetValue(tool) ?? [],
                parse.GetValue(keyword) ?? [],
                parse.GetValue(text) ?? [],
                parse.GetValue(retire) ?? [],
                parse.GetValue(activate) ?? [],
                parse.GetValue(remove) ?? []);
            changes.CheckShape();
            var author = MemoryAuthor.Person(parse.GetValue(by)!);
            var versionId = parse.GetValue(id)!;
            await using var stores = await CliServices.OpenAsync(common.DatabaseOf(parse), ct, unroutedWebhooks: webhooks).ConfigureAwait(false);
            var store = stores.Memory;
            var source = await store.GetVersionAsync(versionId, ct).ConfigureAwait(false) ?? throw MemoryVersionNotFoundException.ForId(versionId);
            var edit = changes.ToEdit(source, author, parse.GetValue(note), DateTimeOffset.UtcNow);
            var edited = await store.EditAsync(source.Id, edit.Edit, ct).ConfigureAwait(false);
            var approve = $"dreaming memory approve {edited.Id}";
            if (parse.GetValue(common.Json))
            {
                CliJson.Write(output, new
                {
                    version = edited.ToSummary(),
                    added = edit.Added.Select(i => new { id = i.Id, kind = i.Kind, text = i.Text }).ToList(),
                    textChanged = changes.Texts.Select(t => t.Id).ToList(),
                    retired = changes.Retire,
                    activated = changes.Activate,
                    removed = changes.Remove,
                    approveWith = approve,
                });
                return 0;
            }

            output.WriteLine($"{edited.Scope}: v{edited.Number} ({edited.Id}) is proposed, edited from v{source.Number} ({source.Id}) by {Text.OneLine(author.ToString())}");
            foreach (var added in edit.Added)
            {
                output.WriteLine($"  + {added.Id}  {added.Kind.ToString().ToUpperInvariant()}  {Text.OneLine(added.Text)}");
            }

            foreach (var (insightId, newText) in changes.Texts)
            {
                output.WriteLine($"  ~ {Text.OneLine(insightId)}  text: {Text.OneLine(newText)}");
            }

            WriteIds(output, "retired", changes.Retire);
            WriteIds(output, "activated", changes.Activate);
            WriteIds(output, "removed", changes.Remove);
            if (webhooks)
            {
                output.WriteLine(CliServices.UnroutedNote(WebhookEventTypes.MemoryVersionProposed));
            }

            output.WriteLine($"approve it with: {approve}");
            return 0;
        }).ConfigureAwait(false));
        return command;
    }

    private static void WriteIds(TextWriter output, string what, IReadOnlyList<string> ids)
    {
        foreach (var insightId in ids)
        {
            output.WriteLine($"  {what} {Text.OneLine(insightId)}");
        }
    }

    // A repeatable option of insight text, a trigger, an insight id or ID=TEXT: one line of Unicode text, as the agent is given it ("- [id]
    // text" on a line of its own) and as the database keeps it (UTF-8, where half a surrogate pair becomes U+FFFD). A value
    // that is not is refused as a parse error naming the option, the character and its index.
    private static Option<string[]> Texts(Option<string[]> option)
    {
        option.Validators.Add(result =>
        {
            foreach (var value in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (Problem(value) is { } problem)
                {
                    result.AddError($"{option.Name} '{Text.Cut(Text.OneLine(WholeCharactersShown(value)), 40)}' {problem}.");
                    return;
                }

                if (IsOptionName(result, value))
                {
                    result.AddError(OptionNameMessage(option.Name, value));
                    return;
                }
            }
        });
        return option;
    }

    // The parser gives an option that takes a value the next argument even when it is another option's name, so
    // '--add --json' or '--note --json' (the text left out) added an insight or a note reading "--json", and printed text
    // where JSON was asked for. No insight, trigger, id or note is an option's name (the command's or an inherited one),
    // so such a value is refused.
    private static bool IsOptionName(System.CommandLine.Parsing.OptionResult result, string value)
    {
        for (var parent = result.Parent as System.CommandLine.Parsing.CommandResult; parent is not null; parent = parent.Parent as System.CommandLine.Parsing.CommandResult)
        {
            foreach (var option in parent.Command.Options)
            {
                if (option.Name == value || option.Aliases.Contains(value))
                {
                    return true;
                }
            }
        }

        return false;
    }

    // An option of one value (--by, --note) refuses another option's name as that value, as Texts does: '--by --json'
    // recorded the author "person:--json" and printed text where JSON was asked for.
    private static Option<T> NotAnOptionName<T>(Option<T> option)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<T>() is string value && IsOptionName(result, value))
            {
                result.AddError(OptionNameMessage(option.Name, value));
            }
        });
        return option;
    }

    private static string OptionNameMessage(string option, string value) =>
        $"{option} '{value}' is the name of an option, not a value: was the value of {option} left out? Give it before the next option.";

    // The value as shown in a message: each half surrogate pair as \uHHHH, which would otherwise reach the terminal as U+FFFD.
    private static string WholeCharactersShown(string value)
    {
        while (UnpairedSurrogates.IndexOf(value) is var at and >= 0)
        {
            value = string.Create(CultureInfo.InvariantCulture, $"{value[..at]}\\u{(int)value[at]:X4}{value[(at + 1)..]}");
        }

        return value;
    }

    private static string? Problem(string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "is blank";
        }

        if (UnpairedSurrogates.IndexOf(value) is var half and >= 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"has half a character (an unpaired surrogate, U+{(int)value[half]:X4}) at index {half}; the database keeps text as UTF-8, where it would become U+FFFD");
        }

        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsControl(value[i]) || value[i] is '\u2028' or '\u2029')
            {
                return string.Create(CultureInfo.InvariantCulture, $"has the control character or line break U+{(int)value[i]:X4} at index {i}; an insight is one line of text");
            }
        }

        return null;
    }
}

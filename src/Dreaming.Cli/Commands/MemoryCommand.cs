using System.CommandLine;
using System.Globalization;
using Dreaming.Cli.Output;

namespace Dreaming.Cli.Commands;

/// <summary><c>dreaming memory list|show|diff|edit|approve|reject|rollback</c>: review and manage the memory versions of an agent,
/// a team or the global scope.</summary>
internal static partial class MemoryCommand
{
    public static Command Create(CommonOptions common, TextWriter output, TextWriter error)
    {
        var memory = new Command("memory", "Review an agent's, a team's or the global memory (--agent ID or --scope agent:ID|team:ID|global): its versions, their differences, a person's edits, approval, rejection and rollback.");
        memory.Subcommands.Add(List(common, output, error));
        memory.Subcommands.Add(Show(common, output, error));
        memory.Subcommands.Add(Diff(common, output, error));
        memory.Subcommands.Add(Edit(common, output, error));
        memory.Subcommands.Add(Review(common, output, error, "approve", "Make a proposed version the active one (the active one is superseded)."));
        memory.Subcommands.Add(Review(common, output, error, "reject", "Reject a proposed version."));
        memory.Subcommands.Add(Review(common, output, error, "rollback", "Make an earlier version's insights active again, as a new version (nothing is deleted)."));
        return memory;
    }

    private static Option<string?> AgentOption() => CommonOptions.WholeCharacters(new("--agent") { Description = "The agent whose memory to use (scope agent:ID; an imported agent's id as its log gave it finds its memory too)." });

    private static Option<string?> ScopeOption() => CommonOptions.WholeCharacters(new("--scope") { Description = "The memory scope: agent:ID, team:ID or global." });

    // A blank name was refused by MemoryAuthor.Person with only "The value cannot be an empty string or composed entirely
    // of white space.", naming neither the option nor the value: now a parse error naming both.
    internal static Option<string> ByOption()
    {
        var by = new Option<string>("--by")
        {
            HelpName = "NAME",
            Description = "Who does it, for the record.",
            DefaultValueFactory = _ => Environment.UserName,
        };
        by.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
            {
                result.AddError($"--by '{result.GetValueOrDefault<string>()}' is blank: give the name of the person who does it.");
            }
        });
        return AuditField(by);
    }

    private static Command List(CommonOptions common, TextWriter output, TextWriter error)
    {
        var agent = AgentOption();
        var scope = ScopeOption();
        var limit = CommonOptions.InRange(new Option<int>("--limit") { Description = "At most this many versions (1-1000).", DefaultValueFactory = _ => 50 }, 1, MemoryStoreRules.MaxListLimit);
        var before = CommonOptions.AtLeast(new Option<int?>("--before") { Description = "Only versions numbered below N: the next page after the last number listed." }, 1);
        var command = new Command("list", "List the memory versions of a scope, newest first.") { agent, scope, limit, before };
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            await using var stores = await CliServices.OpenAsync(common.DatabaseOf(parse), ct).ConfigureAwait(false);
            var store = stores.Memory;
            var memoryScope = ScopeFrom(parse.GetValue(agent), parse.GetValue(scope));
            var (_, versions) = await IdentifierCap.FindAsync(memoryScope, scope => store.ListVersionsAsync(scope, parse.GetValue(limit), parse.GetValue(before), ct), static found => found.Count > 0).ConfigureAwait(false);
            if (parse.GetValue(common.Json))
            {
                CliJson.Write(output, versions);
                return 0;
            }

            if (versions.Count == 0)
            {
                output.WriteLine(parse.GetValue(before) is { } below ? $"no memory versions of {memoryScope} numbered below {below}" : $"no memory versions for {memoryScope}");
                return 0;
            }

            foreach (var v in versions)
            {
                output.WriteLine($"v{v.Number,-4} {v.Id}  {MemoryText.State(v.State),-10}  by {Text.OneLine(v.Author.ToString())}  {v.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm}  {Text.Cut(Text.OneLine(v.Note), 60)}");
            }

            return 0;
        }).ConfigureAwait(false));
        return command;
    }

    private static Command Show(CommonOptions common, TextWriter output, TextWriter error)
    {
        var agent = AgentOption();
        var scope = ScopeOption();
        // The version is positional, as approve, reject, rollback, diff and edit take it; --version stays for scripts.
        var positional = new Argument<string?>("version") { Description = "The version id (or --version); by default the active version of the scope.", Arity = ArgumentArity.ZeroOrOne };
        var version = new Option<string?>("--version") { Description = "The version id, as the argument gives it." };
        var command = new Command("show", "Show a memory version and its insights (by default the active one); with --agent or --scope beside a version, the version must be of that scope.") { positional, agent, scope, version };
        command.Validators.Add(result =>
        {
            if (result.GetValue(positional) is { } given && result.GetValue(version) is { } named)
            {
                result.AddError($"Give the version once: '{given}' as the argument or '{named}' as --version, not both.");
            }
        });
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            await using var stores = await CliServices.OpenAsync(common.DatabaseOf(parse), ct).ConfigureAwait(false);
            var store = stores.Memory;
            MemoryVersion? shown;
            if ((parse.GetValue(positional) ?? parse.GetValue(version)) is { } id)
            {
                // Version ids are global (numbers are per scope), so --agent or --scope beside one names the scope the
                // reviewer expects it to be of: a version of another scope is refused, naming both, rather than shown.
                var expected = parse.GetValue(agent) is null && parse.GetValue(scope) is null ? null : ScopeFrom(parse.GetValue(agent), parse.GetValue(scope));
                shown = await store.GetVersionAsync(id, ct).ConfigureAwait(false) ?? throw MemoryVersionNotFoundException.ForId(id);
                if (expected is not null && shown.Scope != expected && !IsStoredFormOf(shown.Scope, expected))
                {
                    await error.WriteLineAsync(string.Create(
                        CultureInfo.InvariantCulture,
                        $"error: Memory version '{Text.OneLine(id)}' is v{shown.Number} of {Text.OneLine(shown.Scope.Key)}, not a version of {Text.OneLine(expected.Key)}; 'dreaming memory list --scope {Text.OneLine(expected.Key)}' lists that scope's versions.")).ConfigureAwait(false);
                    return 1;
                }
            }
            else
            {
                var memoryScope = ScopeFrom(parse.GetValue(agent), parse.GetValue(scope));
                (_, shown) = await IdentifierCap.FindAsync(memoryScope, scope => store.GetActiveVersionAsync(scope, ct), static found => found is not null).ConfigureAwait(false);
                if (shown is null)
                {
                    await error.WriteLineAsync($"error: {memoryScope} has no active memory version; 'dreaming memory list' shows its versions").ConfigureAwait(false);
                    return 1;
                }
            }

            if (parse.GetValue(common.Json))
            {
                CliJson.Write(output, shown);
            }
            else
            {
                MemoryText.WriteVersion(output, shown);
            }

            return 0;
        }).ConfigureAwait(false));
        return command;
    }

    private static Command Diff(CommonOptions common, TextWriter output, TextWriter error)
    {
        var from = new Argument<string>("from") { Description = "The earlier version id." };
        var to = new Argument<string>("to") { Description = "The later version id." };
        var command = new Command("diff", "Show what changed between two memory versions.") { from, to };
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            await using var stores = await CliServices.OpenAsync(common.DatabaseOf(parse), ct).ConfigureAwait(false);
            var store = stores.Memory;
            var diff = await store.DiffAsync(parse.GetValue(from)!, parse.GetValue(to)!, ct).ConfigureAwait(false);
            if (parse.GetValue(common.Json))
            {
                CliJson.Write(output, diff);
            }
            else
            {
                MemoryText.WriteDiff(output, diff);
            }

            return 0;
        }).ConfigureAwait(false));
        return command;
    }

    private static Command Review(CommonOptions common, TextWriter output, TextWriter error, string verb, string description)
    {
        var id = new Argument<string>("version") { Description = "The version id." };
        var by = ByOption();
        var note = NoteOption("Why, for the record.");
        var noWebhooks = CliServices.NoWebhooksOption();
        var command = new Command(verb, description) { id, by, noWebhooks };
        if (verb != "approve")
        {
            // An approval keeps no note (IMemoryStore.ApproveAsync takes none), so approve does not offer one to drop.
            command.Options.Add(note);
        }

        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            var webhooks = !parse.GetValue(noWebhooks);
            await using var stores = await CliServices.OpenAsync(common.DatabaseOf(parse), ct, unroutedWebhooks: webhooks).ConfigureAwait(false);
            var store = stores.Memory;
            var author = MemoryAuthor.Person(parse.GetValue(by)!);
            var versionId = parse.GetValue(id)!;
            var result = verb switch
            {
                "approve" => await store.ApproveAsync(versionId, author, ct).ConfigureAwait(false),
                "reject" => await store.RejectAsync(versionId, author, parse.GetValue(note), ct).ConfigureAwait(false),
                _ => await store.RollbackAsync(versionId, author, parse.GetValue(note), ct).ConfigureAwait(false),
            };

            if (parse.GetValue(common.Json))
            {
                CliJson.Write(output, result.ToSummary());
            }
            else
            {
                output.WriteLine(verb == "rollback"
                    ? $"{result.Scope}: v{result.Number} ({result.Id}) restores {versionId} and is now active"
                    : $"{result.Scope}: v{result.Number} ({result.Id}) is now {MemoryText.State(result.State)}");
                if (webhooks)
                {
                    output.WriteLine(CliServices.UnroutedNote(verb == "reject" ? WebhookEventTypes.MemoryVersionRejected : WebhookEventTypes.MemoryVersionActivated));
                }
            }

            return 0;
        }).ConfigureAwait(false));
        return command;
    }

    // Whether a version's scope is the capped form of the agent scope given, an imported log's agent id as the log gave it.
    private static bool IsStoredFormOf(MemoryScope scope, MemoryScope given) =>
        given.Kind == MemoryScopeKind.Agent && given.Id.Length > SessionRecord.MaxIdLength && scope == MemoryScope.Agent(IdentifierCap.StoredId(given.Id));

    private static MemoryScope ScopeFrom(string? agent, string? scope)
    {
        if (agent is not null && scope is not null)
        {
            throw new ArgumentException("Give --agent or --scope, not both.");
        }

        if (scope is not null)
        {
            return MemoryScope.TryParse(scope, out var parsed)
                ? parsed
                : throw new ArgumentException($"'{scope}' is not a memory scope; use agent:ID, team:ID or global.");
        }

        return agent is not null ? MemoryScope.Agent(agent) : throw new ArgumentException("Give --agent ID or --scope KEY (or a version id for 'show').");
    }
}

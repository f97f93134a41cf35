using System.CommandLine;
using System.Globalization;
using Dreaming.Cli.Output;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Cli.Commands;

/// <summary><c>dreaming import PATH...</c>: reads JSON or JSONL session logs into the database.</summary>
internal static class ImportCommand
{
    public static Command Create(CommonOptions common, TextWriter output, TextWriter error)
    {
        var paths = new Argument<string[]>("path") { Description = "JSON array or JSONL files of sessions.", Arity = ArgumentArity.OneOrMore };
        var agent = CommonOptions.Id(new Option<string?>("--agent") { Description = "The agent id to give every imported session." });
        var scope = CommonOptions.Id(new Option<string?>("--scope") { Description = "The team or tenant scope to give every imported session, so that 'dreaming dream --scope team:ID' reads them (default: none)." });
        var messagesField = new Option<string?>("--messages-field") { Description = "The field holding the chat messages, OpenAI-style, Microsoft.Extensions.AI ChatMessage JSON or Anthropic Messages, whose 'system' is read beside it (default: messages)." };
        var responseField = new Option<string?>("--response-field") { Description = "The field holding a saved Anthropic Messages response, imported as the last assistant turn with its usage (default: response)." };
        var rewardField = new Option<string?>("--reward-field") { Description = "The field holding the reward (default: reward)." };
        var idField = new Option<string?>("--id-field") { Description = "The field holding the session id (default: id)." };
        var taskField = new Option<string?>("--task-field") { Description = "The field holding the task; dotted paths such as info.task.instruction work (default: task)." };
        var errorPrefix = new Option<string?>("--error-prefix") { Description = "Tool results starting with this text are errors (default: Error)." };
        var skipMalformed = new Option<bool>("--skip-malformed") { Description = "Skip malformed sessions and report them, instead of importing nothing from a file that has one." };

        var command = new Command("import", "Import existing agent logs (OpenAI, Microsoft.Extensions.AI or Anthropic Messages chat messages) as sessions.")
        {
            paths, agent, scope, messagesField, responseField, rewardField, idField, taskField, errorPrefix, skipMalformed,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new SessionImportOptions
            {
                AgentId = parse.GetValue(agent),
                Scope = parse.GetValue(scope),
                ErrorHandling = parse.GetValue(skipMalformed) ? ImportErrorHandling.SkipMalformed : ImportErrorHandling.Atomic,
            };
            options.MessagesField = parse.GetValue(messagesField) ?? options.MessagesField;
            options.ResponseField = parse.GetValue(responseField) ?? options.ResponseField;
            options.RewardField = parse.GetValue(rewardField) ?? options.RewardField;
            options.IdField = parse.GetValue(idField) ?? options.IdField;
            options.TaskField = parse.GetValue(taskField) ?? options.TaskField;
            options.ErrorPrefix = parse.GetValue(errorPrefix) ?? options.ErrorPrefix;
            var json = parse.GetValue(common.Json);

            return await CommandErrors.RunAsync(error, async () =>
            {
                options.Validate();

                // 'dream --scope' takes a memory scope key (team:ID), this option the team id itself: a key given here
                // would be stored as a team named 'team:ID', which that dream never reads.
                if (options.Scope is { } team && team.StartsWith("team:", StringComparison.Ordinal))
                {
                    error.WriteLine($"warning: --scope takes the team id: the sessions are stored in the team '{Text.OneLine(team)}'; for the team '{Text.OneLine(team["team:".Length..])}' give --scope {Text.OneLine(team["team:".Length..])}.");
                }

                var files = parse.GetValue(paths)!;
                foreach (var path in files)
                {
                    // Every path before any import, so a folder among them imports nothing.
                    CliServices.NotAFolder(path, "The file to import");
                }

                // What the import gives each session is noted only when --agent or --scope may differ from what is stored.
                var imported = options.AgentId is null && options.Scope is null ? null : new ImportedSessions();
                await using var services = CliServices.Build(common.DatabaseOf(parse), customize: imported is null ? null : imported.Capture);
                var importer = services.GetRequiredService<SessionImporter>();
                var results = new List<ImportResult>();
                foreach (var path in files)
                {
                    results.Add(await importer.ImportFileAsync(path, options, ct).ConfigureAwait(false));
                }

                var sessions = results.Sum(r => r.Imported);
                var events = results.Sum(r => r.Events);
                var toolErrors = results.Sum(r => r.ToolErrors);
                var unknownBlocks = results.Sum(r => r.UnknownBlocks);
                if (imported is not null && results.Sum(r => r.SkippedExisting) > 0)
                {
                    // The store leaves a session it already holds as it was: read those back, and warn only of the ones
                    // whose agent or scope is not what this import would have given them.
                    var differing = await imported.CountDifferingAsync(services.GetRequiredService<ITraceStore>(), options.AgentId, options.Scope, ct).ConfigureAwait(false);
                    WarnKeptAsTheyWere(error, differing, options);
                }

                if (json)
                {
                    CliJson.Write(output, new { imported = sessions, read = results.Sum(r => r.Sessions), events, toolErrors, unknownBlocks, files = results });
                }
                else
                {
                    foreach (var problem in results.SelectMany(r => r.Errors))
                    {
                        error.WriteLine("skipped: " + problem);
                    }

                    var read = results.Sum(r => r.Sessions);
                    var skipped = results.Sum(r => r.SkippedExisting);
                    output.WriteLine(skipped == 0
                        ? string.Create(CultureInfo.InvariantCulture, $"imported {sessions} sessions, {events} events, {toolErrors} tool errors")
                        : string.Create(CultureInfo.InvariantCulture, $"imported {sessions} of {read} sessions ({skipped} were already in the database and were left as they were); the files hold {events} events, {toolErrors} tool errors"));
                    if (unknownBlocks > 0)
                    {
                        // A log of a newer SDK: its blocks of types this version does not know are noted by type, never read.
                        output.WriteLine(unknownBlocks == 1
                            ? "1 content block of an unknown type was noted by its type (its content is not imported)"
                            : string.Create(CultureInfo.InvariantCulture, $"{unknownBlocks} content blocks of unknown types were noted by their type (their content is not imported)"));
                    }
                }

                return 0;
            }).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Says on stderr, in text and --json alike, that --agent and --scope did not reach the <paramref name="differing"/>
    /// sessions already in the database with another agent or scope: the store leaves them as they were, so re-importing a
    /// file with another team keeps the old one. Nothing when every such session already has what was given.</summary>
    private static void WarnKeptAsTheyWere(TextWriter error, int differing, SessionImportOptions options)
    {
        if (differing == 0)
        {
            return;
        }

        var (other, fields, given) = (options.AgentId, options.Scope) switch
        {
            (null, _) => ("scope", "scope", "--scope sets it"),
            (_, null) => ("agent", "agent", "--agent sets it"),
            _ => ("agent or scope", "agent and scope", "--agent and --scope set them"),
        };
        error.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"warning: {differing} {(differing == 1 ? "session was" : "sessions were")} already in the database with another {other} and {(differing == 1 ? "keeps" : "keep")} the {fields} {(differing == 1 ? "it" : "they")} had; {given} only for the sessions imported now."));
    }
}

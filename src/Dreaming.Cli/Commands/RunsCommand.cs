using System.CommandLine;
using System.Globalization;
using Dreaming.Cli.Output;

namespace Dreaming.Cli.Commands;

/// <summary><c>dreaming runs --agent ID|--scope KEY</c>: lists a scope's dream runs, newest first, with the lease of a
/// running one, so a dream whose process was killed can be told from one that is working.</summary>
internal static class RunsCommand
{
    public static Command Create(CommonOptions common, TextWriter output, TextWriter error)
    {
        var agent = CommonOptions.WholeCharacters(new Option<string?>("--agent") { Description = "The agent whose dream runs to list (memory scope agent:ID); or give --scope." });
        var scope = CommonOptions.WholeCharacters(new Option<string?>("--scope") { Description = "The memory scope whose dream runs to list, instead of --agent: agent:ID, team:ID or global." });
        scope.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } key && !MemoryScope.TryParse(key, out _))
            {
                result.AddError($"'{key}' is not a memory scope for --scope: write agent:ID, team:ID or global.");
            }
        });
        var limit = CommonOptions.InRange(new Option<int>("--limit") { Description = "At most this many runs, the newest (1-1000).", DefaultValueFactory = _ => 20 }, 1, DreamRunStoreRules.MaxListLimit);
        var command = new Command("runs", "List the dream runs of an agent (--agent) or a memory scope (--scope), newest first: status, sessions read, version written, and for a running one who holds its lease until when (a lease that expired means its process stopped).")
        {
            agent, scope, limit,
        };
        command.Validators.Add(result =>
        {
            var hasAgent = result.GetValue(agent) is not null;
            var hasScope = result.GetValue(scope) is not null;
            if (hasAgent == hasScope)
            {
                result.AddError(hasAgent ? "Give --agent ID or --scope KEY, not both." : "Option '--agent' is required (or give --scope agent:ID, team:ID or global).");
            }
        });
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            var key = parse.GetValue(scope) is { } given ? MemoryScope.Parse(given) : MemoryScope.Agent(parse.GetValue(agent)!);
            await using var stores = await CliServices.OpenAsync(common.DatabaseOf(parse), ct).ConfigureAwait(false);
            var runs = await stores.DreamRuns.ListAsync(key, parse.GetValue(limit), ct).ConfigureAwait(false);
            var now = DateTimeOffset.UtcNow;
            if (parse.GetValue(common.Json))
            {
                CliJson.WriteSnakeCase(output, runs.Select(run => new
                {
                    RunId = run.Id,
                    Scope = run.Scope.Key,
                    Status = DreamCommand.Status(run.Status),
                    run.RequestedAt,
                    run.StartedAt,
                    run.EndedAt,
                    run.LeaseHolder,
                    run.LeaseExpiresAt,
                    LeaseExpired = DreamRunLeaseText.Expired(run, now),
                    SessionsRead = run.Results.SessionIds.Count,
                    OutputVersion = run.Results.OutputVersionId,
                    run.Results.Note,
                    run.Error,
                }));
                return 0;
            }

            if (runs.Count == 0)
            {
                output.WriteLine($"no dream runs of {Text.OneLine(key.Key)}");
                return 0;
            }

            output.WriteLine($"{"ID",-35}  {"STATUS",-9}  {"REQUESTED (UTC)",-19}  {"ENDED (UTC)",-19}  {"SESSIONS",8}  {"VERSION",-35}  NOTE");
            foreach (var run in runs)
            {
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{Text.OneLine(run.Id),-35}  {DreamCommand.Status(run.Status),-9}  {run.RequestedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {(run.EndedAt is { } ended ? ended.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-"),-19}  {run.Results.SessionIds.Count,8}  {Text.OneLine(run.Results.OutputVersionId ?? "-"),-35}  {Text.Cut(Text.OneLine(Note(run, now)), 160)}"));
            }

            if (runs.Count == parse.GetValue(limit))
            {
                output.WriteLine(runs.Count < DreamRunStoreRules.MaxListLimit
                    ? "(there may be older runs; raise --limit)"
                    : string.Create(CultureInfo.InvariantCulture, $"(there may be older runs; {DreamRunStoreRules.MaxListLimit} is the most --limit shows)"));
            }

            return 0;
        }).ConfigureAwait(false));
        return command;
    }

    // For a running run, its lease; for a failed one, why; otherwise its note.
    private static string Note(DreamRun run, DateTimeOffset now)
    {
        return run.Status == DreamRunStatus.Running ? DreamRunLeaseText.Of(run, now) : run.Error ?? run.Results.Note ?? string.Empty;
    }
}

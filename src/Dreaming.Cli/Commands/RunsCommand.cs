using System.CommandLine;
using System.Globalization;
using Dreaming.Cli.Output;

namespace Dreaming.Cli.Commands;

/// <summary><c>dreaming runs --agent ID|--scope KEY|--all [--status S]</c>: lists a scope's dream runs (or those of every
/// scope), newest first, with the lease of a running one, so a dream whose process was killed can be told from one that is
/// working.</summary>
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
        var all = new Option<bool>("--all") { Description = "List the dream runs of every scope instead of one (what is running, stuck or failed anywhere); with --status, only those in that state." };
        var status = CommonOptions.Choice(new Option<DreamRunStatus?>("--status") { Description = "With --all: only runs in this state (running lists the stuck ones too: their lease expired)." });
        var limit = CommonOptions.InRange(new Option<int>("--limit") { Description = "At most this many runs, the newest (1-1000).", DefaultValueFactory = _ => 20 }, 1, DreamRunStoreRules.MaxListLimit);
        var command = new Command("runs", "List the dream runs of an agent (--agent), a memory scope (--scope) or every scope (--all, optionally --status), newest first: status, sessions read, version written, and for a running one who holds its lease until when (a lease that expired means its process stopped).")
        {
            agent, scope, all, status, limit,
        };
        command.Validators.Add(result =>
        {
            var given = (result.GetValue(agent) is not null ? 1 : 0) + (result.GetValue(scope) is not null ? 1 : 0) + (result.GetValue(all) ? 1 : 0);
            if (given != 1)
            {
                result.AddError(given > 1 ? "Give one of --agent ID, --scope KEY and --all." : "Option '--agent' is required (or give --scope agent:ID, team:ID or global, or --all).");
            }
            else if (result.GetValue(status) is not null && !result.GetValue(all))
            {
                result.AddError("--status filters the runs of every scope: give it with --all.");
            }
        });
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            var everyScope = parse.GetValue(all);
            var key = everyScope ? null : parse.GetValue(scope) is { } given ? MemoryScope.Parse(given) : MemoryScope.Agent(parse.GetValue(agent)!);
            await using var stores = await CliServices.OpenAsync(common.DatabaseOf(parse), ct).ConfigureAwait(false);
            IReadOnlyList<DreamRun> runs;
            bool more;
            if (key is null)
            {
                var page = await stores.DreamRuns.QueryRunsAsync(new DreamRunQuery { Status = parse.GetValue(status), Limit = parse.GetValue(limit) }, ct).ConfigureAwait(false);
                (runs, more) = (page.Items, page.NextCursor is not null);
            }
            else
            {
                runs = await stores.DreamRuns.ListAsync(key, parse.GetValue(limit), ct).ConfigureAwait(false);
                if (runs.Count == 0 && key.Kind == MemoryScopeKind.Agent && key.Id.Length > SessionRecord.MaxIdLength)
                {
                    // An imported agent's id as its log gave it: 'dream --agent ID' dreamt for its capped form, the agent id the
                    // import stored (a build before the cap stored it whole, found above), as 'sessions --agent ID' finds it.
                    runs = await stores.DreamRuns.ListAsync(MemoryScope.Agent(IdentifierCap.StoredId(key.Id)), parse.GetValue(limit), ct).ConfigureAwait(false);
                }

                more = runs.Count == parse.GetValue(limit);
            }

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
                output.WriteLine(key is not null ? $"no dream runs of {Text.OneLine(key.Key)}"
                    : parse.GetValue(status) is { } only ? $"no {DreamCommand.Status(only)} dream runs in any scope" : "no dream runs in any scope");
                return 0;
            }

            output.WriteLine((key is null ? $"{"SCOPE",-24}  " : string.Empty) + $"{"ID",-35}  {"STATUS",-9}  {"REQUESTED (UTC)",-19}  {"ENDED (UTC)",-19}  {"SESSIONS",8}  {"VERSION",-35}  NOTE");
            foreach (var run in runs)
            {
                output.WriteLine((key is null ? $"{Text.Cut(Text.OneLine(run.Scope.Key), 24),-24}  " : string.Empty) + string.Create(
                    CultureInfo.InvariantCulture,
                    $"{Text.OneLine(run.Id),-35}  {DreamCommand.Status(run.Status),-9}  {run.RequestedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {(run.EndedAt is { } ended ? ended.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-"),-19}  {run.Results.SessionIds.Count,8}  {Text.OneLine(run.Results.OutputVersionId ?? "-"),-35}  {Text.Cut(Text.OneLine(Note(run, now)), 160)}"));
            }

            var stuck = runs.Count(run => DreamRunLeaseText.Expired(run, now));
            if (key is null && stuck > 0)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{stuck} stuck (running, lease expired: its process stopped); 'dreaming dream --scope KEY' ends a scope's stuck run and dreams, or the app's IDreamRunStore.RecoverAbandonedAsync ends them all"));
            }

            if (more)
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

using System.CommandLine;
using System.Globalization;
using Dreaming.Cli.Output;

namespace Dreaming.Cli.Commands;

/// <summary><c>dreaming runs --agent ID|--scope KEY|--all [--status S] [--after CURSOR]</c>: lists a scope's dream runs (or
/// those of every scope, a page at a time), newest first, with the lease of a running one, so a dream whose process was
/// killed can be told from one that is working; <c>dreaming runs recover --all</c> ends the stuck ones.</summary>
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
        var stuckOnly = new Option<bool>("--stuck") { Description = "With --all: only the stuck runs (running, lease expired: their process stopped), read from every running run." };
        var after = new Option<string?>("--after")
        {
            Description = "With --all: the next page, older than the page that printed this cursor (a full page prints it last: --after CURSOR).",
            HelpName = "CURSOR",
        };
        var command = new Command("runs", "List the dream runs of an agent (--agent), a memory scope (--scope) or every scope (--all, optionally --status and --after), newest first: status, sessions read, version written, and for a running one who holds its lease until when (a lease that expired means its process stopped).")
        {
            agent, scope, all, status, stuckOnly, limit, after,
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
            else if (result.GetValue(stuckOnly) && !result.GetValue(all))
            {
                result.AddError("--stuck lists the stuck runs of every scope: give it with --all.");
            }
            else if (result.GetValue(stuckOnly) && result.GetValue(status) is not null)
            {
                result.AddError("--stuck lists running runs whose lease expired: give no --status with it.");
            }
            else if (result.GetValue(stuckOnly) && result.GetValue(after) is not null)
            {
                result.AddError("--stuck lists every stuck run at once (at most --limit of them, and how many more): give no --after with it.");
            }
            else if (result.GetValue(after) is not null && !result.GetValue(all))
            {
                result.AddError("--after pages through the runs of every scope: give it with --all (one scope's list has no cursor; raise --limit).");
            }
        });
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            var everyScope = parse.GetValue(all);
            var key = everyScope ? null : parse.GetValue(scope) is { } given ? MemoryScope.Parse(given) : MemoryScope.Agent(parse.GetValue(agent)!);
            await using var stores = await CliServices.OpenAsync(common.DatabaseOf(parse), ct).ConfigureAwait(false);
            IReadOnlyList<DreamRun> runs;
            bool more;
            string? next = null;

            // The clock 'runs recover' judges leases by (the earlier of this machine's and a PostgreSQL server's), so a run
            // listed stuck is one it ends, and one it leaves running is not listed stuck.
            var now = await RecoveryClock.NowAsync(common.DatabaseOf(parse), error, ct).ConfigureAwait(false) ?? DateTimeOffset.UtcNow;
            var moreStuck = 0;
            if (key is null && parse.GetValue(stuckOnly))
            {
                (runs, moreStuck) = await StuckAsync(stores.DreamRuns, parse.GetValue(limit), now, ct).ConfigureAwait(false);
                more = false;
            }
            else if (key is null)
            {
                var cursor = parse.GetValue(after);
                DreamRunPage page;
                try
                {
                    page = await stores.DreamRuns.QueryRunsAsync(new DreamRunQuery { Status = parse.GetValue(status), Limit = parse.GetValue(limit), Cursor = cursor }, ct).ConfigureAwait(false);
                }
                catch (ArgumentException ex) when (cursor is not null && ex is not ArgumentOutOfRangeException)
                {
                    // The store's own words ('... is not a dream run cursor issued by this store.'), naming the option.
                    error.WriteLine($"error: --after {Text.OneLine(ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal))} Give the cursor a full page of 'dreaming runs --all' printed last (with --json, on standard error).");
                    return 1;
                }

                (runs, more, next) = (page.Items, page.NextCursor is not null, page.NextCursor);
            }
            else
            {
                // An imported agent's id as its log gave it: 'dream --agent ID' dreamt for its capped form, the agent id the
                // import stored (a build before the cap stored it whole, found as given), as 'sessions --agent ID' finds it.
                (_, runs) = await IdentifierCap.FindAsync(key, scope => stores.DreamRuns.ListAsync(scope, parse.GetValue(limit), ct), static found => found.Count > 0).ConfigureAwait(false);

                more = runs.Count == parse.GetValue(limit);
            }

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

                // Standard output stays the array scripts read; the next page's cursor goes to standard error.
                if (next is not null)
                {
                    error.WriteLine($"next: --after {next}");
                }
                else if (moreStuck > 0)
                {
                    error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"more: {moreStuck} more stuck; {(parse.GetValue(limit) < DreamRunStoreRules.MaxListLimit ? "raise --limit" : $"{DreamRunStoreRules.MaxListLimit} is the most --limit shows")}"));
                }

                return 0;
            }

            if (runs.Count == 0)
            {
                // After a cursor, the runs older than it: there are newer ones (the pages before), or the cursor was not this list's.
                output.WriteLine(key is not null ? $"no dream runs of {Text.OneLine(key.Key)}"
                    : parse.GetValue(stuckOnly) ? "no stuck dream runs in any scope"
                    : (parse.GetValue(status) is { } only ? $"no {DreamCommand.Status(only)} dream runs in any scope" : "no dream runs in any scope")
                        + (parse.GetValue(after) is not null ? " older than the --after cursor" : string.Empty));
                return 0;
            }

            output.WriteLine((key is null ? $"{"SCOPE",-24}  " : string.Empty) + $"{"ID",-35}  {"STATUS",-9}  {"REQUESTED (UTC)",-19}  {"ENDED (UTC)",-19}  {"SESSIONS",8}  {"VERSION",-35}  NOTE");
            foreach (var run in runs)
            {
                output.WriteLine((key is null ? $"{Text.Cut(Text.OneLine(run.Scope.Key), 24),-24}  " : string.Empty) + string.Create(
                    CultureInfo.InvariantCulture,
                    $"{Text.OneLine(run.Id),-35}  {DreamCommand.Status(run.Status),-9}  {run.RequestedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {(run.EndedAt is { } ended ? ended.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-"),-19}  {run.Results.SessionIds.Count,8}  {Text.OneLine(run.Results.OutputVersionId ?? "-"),-35}  {Text.Cut(Text.OneLine(Note(run, now)), 160)}"));
            }

            var stuck = runs.Count(run => DreamRunLeaseText.Expired(run, now)) + moreStuck;
            if (key is null && stuck > 0)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{stuck} stuck (running, lease expired: its process stopped); 'dreaming runs recover --all' ends them (failed as abandoned, or completed when the memory version was written), as the app's IDreamRunStore.RecoverAbandonedAsync does; 'dreaming dream --scope KEY' ends a scope's own and dreams"));
            }

            if (moreStuck > 0)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"({moreStuck} more stuck {(moreStuck == 1 ? "run" : "runs")}; {(runs.Count < DreamRunStoreRules.MaxListLimit ? "raise --limit" : $"{DreamRunStoreRules.MaxListLimit} is the most --limit shows: 'dreaming runs recover --all' ends them all")})"));
            }

            if (next is not null)
            {
                output.WriteLine($"(there may be older runs; the next page: --after {next})");
            }
            else if (more)
            {
                output.WriteLine(runs.Count < DreamRunStoreRules.MaxListLimit
                    ? "(there may be older runs; raise --limit)"
                    : string.Create(CultureInfo.InvariantCulture, $"(there may be older runs; {DreamRunStoreRules.MaxListLimit} is the most --limit shows)"));
            }

            return 0;
        }).ConfigureAwait(false));
        command.Subcommands.Add(Recover(common, output, error));
        return command;
    }

    /// <summary><c>dreaming runs recover --all|--scope KEY [--older-than DURATION] [--no-webhooks]</c>: ends the stuck runs
    /// (running, lease expired) of every scope or of one, optionally only those whose lease expired at least DURATION ago,
    /// through the store's own recovery (<see cref="IDreamRunStore.RecoverAsync"/>), which judges each lease in the
    /// transaction that ends the run, so a run whose lease is live, a dream working on another machine, is never touched.</summary>
    private static Command Recover(CommonOptions common, TextWriter output, TextWriter error)
    {
        var all = new Option<bool>("--all") { Description = "End the stuck runs of every scope (or give --scope)." };
        var scope = CommonOptions.WholeCharacters(new Option<string?>("--scope") { Description = "End the stuck run of this memory scope only, instead of --all: agent:ID, team:ID or global." });
        scope.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } key && !MemoryScope.TryParse(key, out _))
            {
                result.AddError($"'{key}' is not a memory scope for --scope: write agent:ID, team:ID or global.");
            }
        });
        var olderThan = new Option<TimeSpan?>("--older-than")
        {
            Description = "End only the runs whose lease expired at least this long ago, such as 10m, 1h or 2d (a host only slow to renew its lease is left alone); by default every run whose lease expired.",
            HelpName = "DURATION",
            CustomParser = result => SessionsCommand.ParseDuration(result),
        };
        var noWebhooks = CliServices.NoWebhooksOption();
        var command = new Command(
            "recover",
            "End the stuck dream runs (running with a lease that expired: their process stopped) of every scope (--all) or of one (--scope KEY), optionally only those whose lease expired at least --older-than ago, as the app's IDreamRunStore.RecoverAbandonedAsync does: failed as abandoned, or completed when the memory version was written. A run whose lease is live is left alone.")
        {
            all, scope, olderThan, noWebhooks,
        };
        command.Validators.Add(result =>
        {
            var given = (result.GetValue(all) ? 1 : 0) + (result.GetValue(scope) is not null ? 1 : 0);
            if (given != 1)
            {
                result.AddError(given > 1
                    ? "Give one of --all and --scope KEY: 'runs recover' ends the stuck runs of every scope, or of one."
                    : "Option '--all' is required (or give --scope KEY): 'runs recover' ends the stuck runs of every scope, or of the scope --scope names.");
            }
        });
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            var webhooks = !parse.GetValue(noWebhooks);
            var only = parse.GetValue(scope) is { } key ? MemoryScope.Parse(key) : null;
            var expiredFor = parse.GetValue(olderThan) ?? TimeSpan.Zero;
            await using var stores = await CliServices.OpenAsync(common.DatabaseOf(parse), ct, unroutedWebhooks: webhooks).ConfigureAwait(false);
            var now = await RecoveryClock.NowAsync(common.DatabaseOf(parse), error, ct).ConfigureAwait(false);
            Task<IReadOnlyList<DreamRun>> RecoverAsync(MemoryScope? of) =>
                stores.DreamRuns.RecoverAsync(new DreamRunRecovery { Scope = of, ExpiredFor = expiredFor, Now = now }, ct);

            // An imported agent's id as its log gave it: its dreams ran for its capped form (see 'runs --scope').
            var ended = only is null ? await RecoverAsync(null).ConfigureAwait(false)
                : (await IdentifierCap.FindAsync(only, RecoverAsync, static found => found.Count > 0).ConfigureAwait(false)).Result;
            if (parse.GetValue(common.Json))
            {
                CliJson.WriteSnakeCase(output, new
                {
                    Count = ended.Count,
                    Runs = ended.Select(run => new
                    {
                        RunId = run.Id,
                        Scope = run.Scope.Key,
                        Status = DreamCommand.Status(run.Status),
                        run.RequestedAt,
                        run.StartedAt,
                        run.EndedAt,
                        run.LeaseHolder,
                        SessionsRead = run.Results.SessionIds.Count,
                        OutputVersion = run.Results.OutputVersionId,
                        run.Results.Note,
                        run.Error,
                    }),
                });
                return 0;
            }

            if (ended.Count == 0)
            {
                var older = expiredFor > TimeSpan.Zero ? $" whose lease expired at least {RecoveryClock.Duration(expiredFor)} ago" : string.Empty;
                output.WriteLine(only is null && older.Length == 0
                    ? "no stuck dream runs: every running run holds a live lease (or none is running)"
                    : only is null
                        ? $"no stuck dream runs{older}"
                        : $"no stuck dream run of {Text.Cut(Text.OneLine(only.Key), 80)}{older}");
                return 0;
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ended {ended.Count} stuck dream {(ended.Count == 1 ? "run" : "runs")} (running, lease expired: the process stopped):"));
            foreach (var run in ended)
            {
                var how = run.Status == DreamRunStatus.Completed ? $"completed (its memory version {run.Results.OutputVersionId} was written)" : DreamCommand.Status(run.Status);
                output.WriteLine($"  {Text.OneLine(run.Scope.Key)}  {Text.OneLine(run.Id)}  {Text.OneLine(how)}  (lease held by '{Text.OneLine(run.LeaseHolder ?? "-")}')");
            }

            if (webhooks)
            {
                output.WriteLine(CliServices.UnroutedNote("their dream.failed or dream.completed events (with budget.reached and insight.quarantined where the run recorded them)", plural: true));
            }

            return 0;
        }).ConfigureAwait(false));
        return command;
    }

    /// <summary>The stuck runs of every scope, newest first, at most <paramref name="limit"/>, and how many more there are:
    /// read from every running run, page by page (a scope has at most one running run, so these are at most one a scope).</summary>
    private static async Task<(IReadOnlyList<DreamRun> Stuck, int More)> StuckAsync(IDreamRunStore store, int limit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stuck = new List<DreamRun>();
        var more = 0;
        string? cursor = null;
        do
        {
            var page = await store.QueryRunsAsync(new DreamRunQuery { Status = DreamRunStatus.Running, Limit = DreamRunStoreRules.MaxListLimit, Cursor = cursor }, cancellationToken).ConfigureAwait(false);
            foreach (var run in page.Items.Where(run => DreamRunStoreRules.IsAbandoned(run, now)))
            {
                if (stuck.Count < limit)
                {
                    stuck.Add(run);
                }
                else
                {
                    more++;
                }
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return (stuck, more);
    }

    // For a running run, its lease; for a failed one, why; otherwise its note.
    private static string Note(DreamRun run, DateTimeOffset now)
    {
        return run.Status == DreamRunStatus.Running ? DreamRunLeaseText.Of(run, now) : run.Error ?? run.Results.Note ?? string.Empty;
    }
}

using System.CommandLine;
using System.Globalization;
using Dreaming.Cli.Output;

namespace Dreaming.Cli.Commands;

/// <summary><c>dreaming purge --older-than DURATION</c>: deletes the ended sessions that started more than that long ago,
/// with their events, keeping those the dreams of the scopes named by <c>--keep-unread-for</c> have not read yet.</summary>
internal static class PurgeCommand
{
    public static Command Create(CommonOptions common, TextWriter output, TextWriter error)
    {
        var olderThan = new Option<TimeSpan>("--older-than")
        {
            Description = "Purge the ended sessions that started more than this long ago: a whole number and a unit, s, m, h or d (90d, 12h). Required. Running sessions are kept (see 'dreaming sessions abandon').",
            HelpName = "DURATION",
            Required = true,
            CustomParser = result => SessionsCommand.ParseDuration(result),
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "Count the sessions that would be purged, and change nothing." };
        var keepUnread = new Option<string[]>("--keep-unread-for")
        {
            Description = "Keep the sessions this memory scope's dreams have not read yet, and every session that started after the oldest of them: agent:ID, team:ID or global. Repeat it for each scope you dream.",
            HelpName = "SCOPE",
        };
        keepUnread.Validators.Add(result =>
        {
            foreach (var key in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!MemoryScope.TryParse(key, out _))
                {
                    result.AddError($"'{key}' is not a memory scope for --keep-unread-for: write agent:ID, team:ID or global.");
                }
            }
        });
        var compact = new Option<bool>("--compact")
        {
            Description = "Then rewrite the file without the free space (SQLite VACUUM): needed once for a file created before this version, which a purge does not shrink. Holds the database's write lock while it copies the file, and needs about twice its size in free disk.",
        };

        var command = new Command("purge", "Delete the ended sessions (with their events) that started more than --older-than ago. Memory, insights and dream runs are kept; they may then name sessions that are gone.")
        {
            olderThan, dryRun, keepUnread, compact,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(dryRun) && result.GetValue(compact))
            {
                result.AddError("--dry-run changes nothing: give --dry-run or --compact, not both.");
            }
        });
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            var database = common.DatabaseOf(parse);
            if (database.IsPostgres && parse.GetValue(compact))
            {
                // Checked before anything is purged: nothing changes.
                throw new ArgumentException($"--compact rewrites a SQLite file (VACUUM); '{database.Display}' is a PostgreSQL schema, whose space autovacuum reuses after a purge (VACUUM FULL, which shrinks the tables, is the database administrator's to run). Leave out --compact.");
            }

            await using var stores = await CliServices.OpenAsync(database, ct).ConfigureAwait(false);
            var options = new SessionRetentionOptions { MaxAge = parse.GetValue(olderThan), KeepUnreadSessions = true };
            foreach (var key in parse.GetValue(keepUnread) ?? [])
            {
                // An imported agent's id as its log gave it keeps the sessions stored under its capped form, which its dreams read.
                var scope = MemoryScope.Parse(key);
                options.DreamScopes.Add(scope.Kind == MemoryScopeKind.Agent ? MemoryScope.Agent(await CliStores.StoredAgentIdAsync(stores.Traces, scope.Id, ct).ConfigureAwait(false)) : scope);
            }

            var retention = new SessionRetention(options, stores.Traces, stores.DreamRuns);
            var dry = parse.GetValue(dryRun);
            var result = dry ? await retention.PreviewAsync(ct).ConfigureAwait(false) : await retention.RunOnceAsync(ct).ConfigureAwait(false);
            var size = parse.GetValue(compact) ? await CompactAsync((Dreaming.Sqlite.SqliteTraceStore)stores.Traces, database.Path!, ct).ConfigureAwait(false) : null;
            Write(output, parse.GetValue(common.Json), dry, result, size);
            return 0;
        }).ConfigureAwait(false));
        return command;
    }

    private static async Task<(long Before, long After)?> CompactAsync(Dreaming.Sqlite.SqliteTraceStore store, string database, CancellationToken cancellationToken)
    {
        var before = new FileInfo(database).Length;
        await store.CompactAsync(cancellationToken).ConfigureAwait(false);
        return (before, new FileInfo(database).Length);
    }

    private static void Write(TextWriter output, bool json, bool dry, SessionRetentionResult result, (long Before, long After)? size)
    {
        if (json)
        {
            CliJson.Write(output, new
            {
                dryRun = dry,
                startedBefore = result.CutOff,
                count = result.Purged,
                keptUnread = result.HeldBy is null ? null : new { sessionId = result.HeldBy, scope = result.HeldFor!.Key },
                compacted = size is { } s ? new { bytesBefore = s.Before, bytesAfter = s.After } : null,
            });
            return;
        }

        var cutOff = result.CutOff.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var sessions = result.Purged == 1 ? "session" : "sessions";
        output.WriteLine(dry
            ? string.Create(CultureInfo.InvariantCulture, $"would purge {result.Purged:N0} ended {sessions} that started before {cutOff} UTC (--dry-run: nothing was deleted)")
            : string.Create(CultureInfo.InvariantCulture, $"purged {result.Purged:N0} ended {sessions} that started before {cutOff} UTC"));
        if (result.HeldBy is not null)
        {
            output.WriteLine($"kept from {cutOff} UTC on: session {Text.OneLine(result.HeldBy)} has not been read by a dream of {Text.OneLine(result.HeldFor!.Key)} yet");
        }

        if (size is { } bytes)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"compacted the file: {bytes.Before / 1048576.0:N1} MiB -> {bytes.After / 1048576.0:N1} MiB"));
        }
    }
}

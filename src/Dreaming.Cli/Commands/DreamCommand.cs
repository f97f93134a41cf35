using System.CommandLine;
using System.Globalization;
using Dreaming.Cli.Model;
using Dreaming.Cli.Output;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Cli.Commands;

/// <summary><c>dreaming dream --agent ID|--scope KEY</c>: runs one dream over the recorded sessions of an agent, a team or
/// every agent (the global memory).</summary>
internal static class DreamCommand
{
    public static Command Create(CommonOptions common, TextWriter output, TextWriter error)
    {
        var agent = CommonOptions.WholeCharacters(new Option<string?>("--agent") { Description = "The agent whose sessions to dream over (memory scope agent:ID; an imported agent's id as its log gave it finds its sessions too); or give --scope." });
        var scope = CommonOptions.WholeCharacters(new Option<string?>("--scope") { Description = "The memory scope to dream for, instead of --agent: agent:ID, team:ID (the sessions started with that team scope) or global (every session)." });
        scope.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } key && !MemoryScope.TryParse(key, out _))
            {
                result.AddError($"'{key}' is not a memory scope for --scope: write agent:ID, team:ID or global.");
            }
        });
        var maxSessions = CommonOptions.InRange(
            new Option<int>("--max-sessions") { Description = "Read at most this many of the sessions no earlier dream read (oldest first; 1-1,000,000).", DefaultValueFactory = _ => DreamRunRequest.DefaultMaxSessions },
            1,
            DreamRunRequest.MaxSessionsLimit);
        var minSessions = CommonOptions.InRange(
            new Option<int>("--min-sessions") { Description = "Change nothing unless at least this many sessions are new (at most --max-sessions).", DefaultValueFactory = _ => DreamRunRequest.DefaultMinSessions },
            1,
            DreamRunRequest.MaxSessionsLimit);
        var lookback = new Option<TimeSpan?>("--lookback")
        {
            Description = "Also mine the sessions earlier dreams already read that started within this span (a whole number and a unit, h or d: 36h, 7d; at most 365d), so a pattern seen a little each night reaches the support it needs; findings still need a new session and only new sessions are credited. Off by default.",
            HelpName = "DURATION",
            CustomParser = ParseLookback,
        };
        var maxLookbackSessions = CommonOptions.InRange(
            new Option<int>("--max-lookback-sessions") { Description = "With --lookback, mine at most this many earlier sessions, the newest (1-1,000,000; never more than --max-sessions in all).", DefaultValueFactory = _ => DreamRunRequest.DefaultMaxLookbackSessions },
            1,
            DreamRunRequest.MaxSessionsLimit);
        var minScopes = CommonOptions.InRange(
            new Option<int>("--min-scopes") { Description = "For an agent or global dream: keep only what the sessions of at least this many team scopes (tenants) show, so one tenant's situation and values do not become every tenant's lesson; sessions without a scope count as one (1-1,000,000; default 1).", DefaultValueFactory = _ => 1 },
            1,
            DreamRunRequest.MaxSessionsLimit);
        var instructions = new Option<string?>("--instructions") { Description = "Instructions for the dream (at most 4,096 characters), recorded on the run." };
        var review = new Option<string>("--review") { Description = "auto: activate the new memory version; approval: leave it proposed for 'dreaming memory approve'.", DefaultValueFactory = _ => "auto" };
        var noWebhooks = CliServices.NoWebhooksOption();
        review.AcceptOnlyFromAmong("auto", "approval");
        review.HelpName = "auto|approval"; // in this order, as the other choices, not sorted
        var command = new Command("dream", "Run one dream: mine the recent sessions of an agent (--agent) or a memory scope (--scope) for recurring failures and write lessons into a new memory version (by template and offline unless a model is configured; see 'dreaming model').")
        {
            agent, scope, maxSessions, minSessions, lookback, maxLookbackSessions, minScopes, instructions, review, noWebhooks,
        };
        command.Validators.Add(result =>
        {
            // Parse errors, as the required --agent was: before the database is opened, with the usage help.
            var hasAgent = result.GetValue(agent) is not null;
            var hasScope = result.GetValue(scope) is not null;
            if (hasAgent && hasScope)
            {
                result.AddError("Give --agent ID or --scope KEY, not both.");
            }
            else if (!hasAgent && !hasScope)
            {
                result.AddError("Option '--agent' is required (or give --scope agent:ID, team:ID or global).");
            }

            // Without --lookback it would be ignored, and the dream would not read the earlier sessions the caller expects.
            if (result.GetResult(maxLookbackSessions) is { Implicit: false } && result.GetResult(lookback) is null or { Implicit: true })
            {
                result.AddError("--max-lookback-sessions needs --lookback DURATION (for example --lookback 7d): without it no earlier session is mined.");
            }

            // A team's dream reads that one team's sessions, which MinScopes never filters: refused rather than ignored.
            if (result.GetResult(minScopes) is { Implicit: false } && result.GetValue(scope) is { } key && MemoryScope.TryParse(key, out var parsed) && parsed.Kind == MemoryScopeKind.Team)
            {
                result.AddError($"--min-scopes applies to agent and global dreams; a dream for --scope {key} reads that team's sessions alone, so nothing would be filtered.");
            }
        });
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            var database = common.DatabaseOf(parse);
            await CliServices.RequireDatabaseAsync(database, ct).ConfigureAwait(false);

            // A configured model writes the lessons (a model that fails leaves template lessons, with a note saying so).
            var settings = common.ModelSettings(parse);
            using var reflector = ModelClientFactory.TryCreate(settings);
            var webhooks = !parse.GetValue(noWebhooks);
            // The request's MinScopes, so the run records it (the tool configures no MiningOptions: theirs is 1).
            var scopesNeeded = parse.GetValue(minScopes);
            await using var services = CliServices.Build(database, reflector: reflector, unroutedWebhooks: webhooks);
            // --scope agent:ID is the same as --agent ID, an imported agent's id as its log gave it included.
            var memoryScope = parse.GetValue(scope) is { } key ? MemoryScope.Parse(key) : MemoryScope.Agent(parse.GetValue(agent)!);
            if (memoryScope.Kind == MemoryScopeKind.Agent)
            {
                memoryScope = MemoryScope.Agent(await CliStores.StoredAgentIdAsync(services.GetRequiredService<ITraceStore>(), memoryScope.Id, ct).ConfigureAwait(false));
            }

            var run = await services.GetRequiredService<IDreamConsolidator>().DreamAsync(
                new DreamRunRequest
                {
                    Scope = memoryScope,
                    MaxSessions = parse.GetValue(maxSessions),
                    MinSessions = parse.GetValue(minSessions),
                    Lookback = parse.GetValue(lookback),
                    MaxLookbackSessions = parse.GetValue(maxLookbackSessions),
                    MinScopes = scopesNeeded == 1 ? null : scopesNeeded,
                    Instructions = parse.GetValue(instructions),
                    ReviewMode = parse.GetValue(review) == "approval" ? DreamReviewMode.RequireApproval : DreamReviewMode.Auto,
                },
                ct).ConfigureAwait(false);

            if (parse.GetValue(common.Json))
            {
                CliJson.WriteSnakeCase(output, Summary(run, reflector is null ? null : settings.Model, scopesNeeded));
            }
            else
            {
                WriteText(output, run, reflector is null ? null : settings.Describe(), scopesNeeded);
                if (webhooks)
                {
                    output.WriteLine(CliServices.UnroutedNote("the run's events (dream.*, memory.version_*, budget.reached, insight.quarantined)", plural: true));
                }
            }

            return run.Status switch
            {
                DreamRunStatus.Completed => 0,
                DreamRunStatus.Canceled when ct.IsCancellationRequested => CommandErrors.CanceledExitCode,
                _ => 1,
            };
        }).ConfigureAwait(false));
        return command;
    }

    // A whole number of hours or days, above zero and at most DreamRunRequest.MaxLookbackLimit.
    private static TimeSpan? ParseLookback(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
        var unitHours = text.Length < 2 ? 0 : text[^1] switch { 'h' => 1, 'd' => 24, _ => 0 };
        if (unitHours > 0
            && text[..^1].All(char.IsAsciiDigit)
            && long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && count > 0
            && count <= DreamRunRequest.MaxLookbackLimit.TotalHours / unitHours)
        {
            return TimeSpan.FromHours(count * unitHours);
        }

        result.AddError(string.Create(
            CultureInfo.InvariantCulture,
            $"--lookback must be a duration of more than 0 and at most {DreamRunRequest.MaxLookbackLimit.TotalDays:N0}d: a whole number and a unit, h or d (for example 36h or 7d); got '{text}'."));
        return null;
    }

    private static object Summary(DreamRun run, string? model, int minScopes)
    {
        var results = run.Results;
        return new
        {
            RunId = run.Id,
            Scope = run.Scope.Key,
            Status = Status(run.Status),
            SessionsRead = results.SessionIds.Count,
            BaseFailureRate = Math.Round(results.Report.BaseFailureRate, 4),
            Findings = results.Report.Findings.Select(f => new
            {
                f.Kind,
                f.Tool,
                f.Signature,
                f.Sessions,
                f.FailedSessions,
                FailureRate = Math.Round(f.FailureRate, 4),
                Lift = Math.Round(f.Lift, 4),
                Evidence = f.Evidence.Select(e => e.SessionId),
            }),
            Changes = results.Report.Changes.Select(c => new { Op = OpName(c.Op), c.InsightId, Kind = KindName(c.Kind), c.Text, c.Reason }),
            OutputVersion = results.OutputVersionId,
            Usage = results.TotalUsage,
            results.BudgetReached,
            // What a token budget counts: the reported usage plus estimates for model calls that reported none.
            results.BudgetTokensUsed,
            results.BudgetTokensEstimated,
            results.Note,
            run.Error,
            Model = model,
            MinScopes = minScopes,
        };
    }

    private static void WriteText(TextWriter output, DreamRun run, string? model, int minScopes)
    {
        var inv = CultureInfo.InvariantCulture;
        var results = run.Results;
        output.WriteLine($"dream {run.Id} ({Text.OneLine(run.Scope.Key)}): {Status(run.Status)}{(run.Error is null ? string.Empty : " - " + run.Error)}");
        output.WriteLine(model is null
            ? "lessons by: template (offline; with --model-endpoint and --model a model writes them)"
            : "lessons by: " + model);
        if (minScopes > 1)
        {
            output.WriteLine(string.Create(inv, $"findings kept: only those shown by the sessions of at least {minScopes} team scopes (--min-scopes; sessions without a scope count as one)"));
        }

        // With a lookback, the failures and the base rate are over the earlier sessions mined again too: say so, rather
        // than print more failures than sessions read.
        var again = run.Request.Lookback is null ? 0 : results.Report.SessionsMined - results.SessionIds.Count;
        output.WriteLine(again > 0
            ? string.Create(inv, $"sessions read {results.SessionIds.Count} (and {again} read by earlier dreams, mined again for the lookback), failed {results.Report.FailedSessions} of the {results.Report.SessionsMined} mined, base failure rate {results.Report.BaseFailureRate * 100:0.#}%")
            : string.Create(inv, $"sessions read {results.SessionIds.Count}, failed {results.Report.FailedSessions}, base failure rate {results.Report.BaseFailureRate * 100:0.#}%"));
        if (results.Note is not null)
        {
            output.WriteLine(results.Note);
        }

        if (results.Report.Findings.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("findings, strongest first:");
            foreach (var f in results.Report.Findings.Take(15))
            {
                output.WriteLine(string.Create(inv, $"  {f.Kind,-22} {Text.Cut(f.Tool ?? "-", 26),-26} {f.FailedSessions,3}/{f.Sessions,-3} failed  lift {f.Lift:0.00}  {Text.Cut(Text.OneLine(f.Signature), 70)}"));
            }
        }

        if (results.Report.Changes.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("memory changes:");
            foreach (var c in results.Report.Changes)
            {
                output.WriteLine($"  {c.Op.ToString().ToUpperInvariant(),-10} {c.InsightId}  {Text.Cut(Text.OneLine(c.Text), 90)}");
                output.WriteLine($"             because {Text.OneLine(c.Reason)}");
            }
        }

        if (results.OutputVersionId is not null)
        {
            output.WriteLine();
            output.WriteLine($"new memory version {results.OutputVersionId}: 'dreaming memory show {results.OutputVersionId}'");
        }
    }

    private static string OpName(DreamChangeOp op) => op switch
    {
        DreamChangeOp.Add => "add",
        DreamChangeOp.Merge => "merge",
        DreamChangeOp.Update => "update",
        DreamChangeOp.Retire => "retire",
        DreamChangeOp.Quarantine => "quarantine",
        DreamChangeOp.Reject => "reject",
        _ => "unknown",
    };

    private static string KindName(InsightKind kind) => kind switch
    {
        InsightKind.Lesson => "lesson",
        InsightKind.Pitfall => "pitfall",
        InsightKind.Workflow => "workflow",
        InsightKind.Preference => "preference",
        InsightKind.Fact => "fact",
        _ => "unknown",
    };

    internal static string Status(DreamRunStatus status) => status switch
    {
        DreamRunStatus.Pending => "pending",
        DreamRunStatus.Running => "running",
        DreamRunStatus.Completed => "completed",
        DreamRunStatus.Failed => "failed",
        DreamRunStatus.Canceled => "canceled",
        _ => "unknown",
    };
}

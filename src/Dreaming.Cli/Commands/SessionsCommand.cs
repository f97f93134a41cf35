using System.CommandLine;
using System.Globalization;
using Dreaming.Cli.Output;
using Dreaming.Cli.Webhooks;

namespace Dreaming.Cli.Commands;

/// <summary><c>dreaming sessions</c>: lists recorded sessions, newest first; <c>dreaming sessions abandon</c> ends the
/// sessions a killed process left running.</summary>
internal static class SessionsCommand
{
    /// <summary>The longest <c>--older-than</c> taken: 36,500 days (about 100 years), so the cut-off is always a valid time.</summary>
    internal const long MaxOlderThanDays = 36_500;
    public static Command Create(CommonOptions common, TextWriter output, TextWriter error)
    {
        var agent = new Option<string?>("--agent") { Description = "Only sessions of this agent (an imported agent's id as its log gave it finds them too)." };
        var status = CommonOptions.Choice(new Option<SessionStatus?>("--status") { Description = "Only sessions with this status." });
        var outcome = new Option<string?>("--outcome") { Description = "Only sessions with this outcome label (success, failure, ...)." };
        var parent = new Option<string?>("--parent") { Description = "Only sub-sessions of this session (an imported session's id as its log gave it finds it too)." };
        var scope = CommonOptions.WholeCharacters(new Option<string?>("--scope") { Description = "Only sessions of this team or tenant scope: the team id their session was started with (--scope billing for the memory scope team:billing; ordinal)." });
        var limit = CommonOptions.InRange(new Option<int>("--limit") { Description = "At most this many sessions (1-1000).", DefaultValueFactory = _ => 50 }, 1, SessionQuery.MaxPageSize);

        var command = new Command("sessions", "List recorded sessions, newest first.") { agent, status, outcome, parent, scope, limit };
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            await using var stores = await CliServices.OpenAsync(common.DatabaseOf(parse), ct).ConfigureAwait(false);
            SessionQuery Query(string? agentId, string? parentSessionId) => new()
            {
                AgentId = agentId,
                Status = parse.GetValue(status),
                OutcomeLabel = parse.GetValue(outcome),
                ParentSessionId = parentSessionId,
                Scope = parse.GetValue(scope),
                Order = SessionOrder.NewestFirst,
                PageSize = parse.GetValue(limit),
            };

            // An import stores a log's agent or session id past the cap as its start, '~' and a hash of the whole (a build
            // before the cap stored it whole): the sessions are found by the id the log gave, as stored first, then capped
            // (only an id past the cap has a capped form, so other ids take one query).
            var (agentId, parentId) = (parse.GetValue(agent), parse.GetValue(parent));
            var page = await stores.Traces.QuerySessionsAsync(Query(agentId, parentId), ct).ConfigureAwait(false);
            foreach (var (agentTried, parentTried) in CappedForms(agentId, parentId))
            {
                if (page.Items.Count > 0)
                {
                    break;
                }

                page = await stores.Traces.QuerySessionsAsync(Query(agentTried, parentTried), ct).ConfigureAwait(false);
            }

            if (parse.GetValue(common.Json))
            {
                CliJson.Write(output, page.Items);
                return 0;
            }

            if (page.Items.Count == 0)
            {
                output.WriteLine(parse.GetValue(scope) is { } key && key.StartsWith("team:", StringComparison.Ordinal)
                    ? $"no sessions match (--scope takes the team's id as its sessions were started with it: --scope {Text.OneLine(key["team:".Length..])}, not the memory scope {Text.OneLine(key)})"
                    : "no sessions match");
                return 0;
            }

            output.WriteLine($"{"ID",-36}  {"AGENT",-16}  {"SCOPE",-16}  {"STATUS",-9}  {"OUTCOME",-8}  {"EVENTS",6}  {"STARTED (UTC)",-19}  TASK");
            foreach (var s in page.Items)
            {
                // SCOPE is the team id as --scope takes it; a blank one is no team, as 'session show' and UseDreaming() take it.
                var team = string.IsNullOrWhiteSpace(s.Scope) ? "-" : Text.Cut(Text.OneLine(s.Scope), 16);
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{Text.OneLine(s.Id),-36}  {Text.Cut(Text.OneLine(s.AgentId), 16),-16}  {team,-16}  {SessionStatusNames.Of(s.Status),-9}  {Text.OneLine(s.Outcome?.Label ?? "-"),-8}  {s.EventCount,6}  {s.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {Text.Cut(Text.OneLine(s.Task), 60)}"));
            }

            if (page.NextCursor is not null)
            {
                output.WriteLine($"(more sessions match; raise --limit or narrow the filters)");
            }

            return 0;
        }).ConfigureAwait(false));
        command.Subcommands.Add(Abandon(common, output, error));
        return command;
    }

    // The (agent, parent) pairs to try after the ids as given, each id past the cap as given or capped: none when neither is
    // past it; the parent's capped form first, then the agent's, then both.
    private static IEnumerable<(string? AgentId, string? ParentId)> CappedForms(string? agentId, string? parentId)
    {
        string?[] agents = agentId is { Length: > SessionRecord.MaxIdLength } ? [agentId, IdentifierCap.StoredId(agentId)] : [agentId];
        string?[] parents = parentId is { Length: > SessionRecord.MaxIdLength } ? [parentId, IdentifierCap.StoredId(parentId)] : [parentId];
        return agents.SelectMany(a => parents.Select(p => (a, p))).Skip(1);
    }

    private static Command Abandon(CommonOptions common, TextWriter output, TextWriter error)
    {
        var olderThan = new Option<TimeSpan>("--older-than")
        {
            Description = "End only sessions that started more than this long ago: a whole number and a unit, s, m, h or d (30m, 6h, 2d). Required: choose more than the longest any live session runs.",
            HelpName = "DURATION",
            Required = true,
            CustomParser = result => ParseDuration(result),
        };
        var noWebhooks = new Option<bool>("--no-webhooks")
        {
            Description = "Raise no webhook: without it, the orchestration.failed (status abandoned) recorded for each crashed orchestration run is written to the database's outbox and reaches the app's receivers when the app's webhook dispatcher next runs on this database.",
        };
        var command = new Command(
            "abandon",
            "End as abandoned the sessions still running that started more than --older-than ago (those a killed or crashed process left behind).")
        { olderThan, noWebhooks };
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            await using var stores = await CliServices.OpenAsync(common.DatabaseOf(parse), ct).ConfigureAwait(false);
            var startedBefore = TimeProvider.System.GetUtcNow() - parse.GetValue(olderThan);
            var webhooks = parse.GetValue(noWebhooks) ? null : new AbandonedRunWebhooks(stores);
            IOrchestrationObserver[] observers = webhooks is null ? [] : [webhooks];
            IReadOnlyList<string> ended;
            IReadOnlyList<string> leftRunning = [];
            try
            {
                ended = await stores.Traces.AbandonRunningSessionsAsync(startedBefore, observers, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (AbandonRunningSessionsException ex) when (!ct.IsCancellationRequested)
            {
                // Only the webhook writer throws: the runs whose event it could not write stay running for the next call.
                (ended, leftRunning) = (ex.AbandonedSessionIds, ex.LeftRunningSessionIds);
            }

            var written = webhooks?.Written ?? 0;
            var failures = webhooks?.Failures ?? [];
            var exit = failures.Count == 0 ? 0 : 1;
            foreach (var failure in failures.Take(IdList.Shown))
            {
                error.WriteLine($"webhooks: an orchestration.failed event could not be written to the outbox: {Text.OneLine(failure.Message)}");
            }

            if (failures.Count > IdList.Shown)
            {
                var more = failures.Count - IdList.Shown;
                error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"webhooks: {more:N0} more orchestration.failed {(more == 1 ? "event" : "events")} could not be written to the outbox (not shown)"));
            }

            if (leftRunning.Count > 0)
            {
                error.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"left running, so that their webhook is not lost: {leftRunning.Count} crashed orchestration {(leftRunning.Count == 1 ? "run" : "runs")} ({IdList.Named(leftRunning, IdList.Shown, Text.OneLine)}); run the command again once the outbox can be written (or with --no-webhooks to end them without the webhook)"));
            }

            if (parse.GetValue(common.Json))
            {
                CliJson.Write(output, new { startedBefore, count = ended.Count, sessionIds = ended, webhookEvents = written, leftRunningSessionIds = leftRunning });
                return exit;
            }

            var cutOff = startedBefore.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            if (ended.Count == 0)
            {
                output.WriteLine($"no running sessions started before {cutOff} UTC");
                WriteWebhookNote(output, written);
                return exit;
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"abandoned {ended.Count} {(ended.Count == 1 ? "session" : "sessions")} still running that started before {cutOff} UTC:"));
            foreach (var id in ended)
            {
                output.WriteLine($"  {Text.OneLine(id)}");
            }

            WriteWebhookNote(output, written);
            return exit;
        }).ConfigureAwait(false));
        return command;
    }

    // Says where the recovery's orchestration.failed events went, when any was written.
    private static void WriteWebhookNote(TextWriter output, int written)
    {
        if (written > 0)
        {
            output.WriteLine(CliServices.UnroutedNote(
                string.Create(CultureInfo.InvariantCulture, $"orchestration.failed (status abandoned) of {written} crashed orchestration {(written == 1 ? "run" : "runs")}"),
                plural: written > 1));
        }
    }

    /// <summary>Reads a duration such as 90s, 30m, 6h or 2d (a whole number above 0, then one unit); anything else is a
    /// parse error naming the option and the value.</summary>
    internal static TimeSpan ParseDuration(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
        long unitSeconds = text.Length == 0 ? 0 : text[^1] switch
        {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => 0,
        };
        if (unitSeconds > 0
            && text.Length > 1
            && text[..^1].All(char.IsAsciiDigit)
            && long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && count > 0
            && count <= MaxOlderThanDays * 86_400 / unitSeconds)
        {
            return TimeSpan.FromSeconds(count * unitSeconds);
        }

        result.AddError(string.Create(
            CultureInfo.InvariantCulture,
            $"--older-than must be a duration of more than 0 and at most {MaxOlderThanDays:N0}d: a whole number and a unit, s, m, h or d (for example 30m, 6h or 2d); got '{text}'."));
        return default;
    }
}

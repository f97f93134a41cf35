using System.CommandLine;
using System.Globalization;
using Dreaming.Cli.Output;
using Dreaming.Cli.Reports;

namespace Dreaming.Cli.Commands;

/// <summary><c>dreaming report [--agent ID] [--since DATE]</c>: did dreaming help? Each agent's ended sessions grouped by
/// the memory versions they were given (its own, its team's, the global one), with their failures, pass rate, mean
/// score, tokens and cost.</summary>
internal static class ReportCommand
{
    public static Command Create(CommonOptions common, TextWriter output, TextWriter error)
    {
        var agent = new Option<string?>("--agent") { Description = "Only this agent's sessions (an imported agent's id as its log gave it finds them too)." };
        var since = new Option<DateTimeOffset?>("--since")
        {
            Description = "Only sessions that started at or after this time: a date or a date and time, UTC unless it gives an offset (2026-02-01, 2026-02-01T08:00:00+02:00).",
            HelpName = "DATE",
            CustomParser = ParseSince,
        };
        var command = new Command("report", "Show, for each agent, its ended sessions grouped by the memory version they were given: failures, pass rate, mean score, tokens and cost (did dreaming help?).")
        {
            agent, since,
        };
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            var database = common.DatabaseOf(parse);
            var agentId = parse.GetValue(agent);
            var from = parse.GetValue(since);

            await using var stores = await CliServices.OpenAsync(database, ct).ConfigureAwait(false);
            var (store, memory) = (stores.Traces, stores.Memory);

            // An imported agent's id as its log gave it reports the sessions stored under its capped form, as 'sessions --agent' lists them.
            var storedAgentId = agentId is null ? null : await CliStores.StoredAgentIdAsync(store, agentId, ct).ConfigureAwait(false);
            var report = await SessionReportBuilder.BuildAsync(store, memory, storedAgentId, from, ct).ConfigureAwait(false);
            if (agentId is not null && report.Agents.Count == 0 && (from is null || !await HasSessionsAsync(store, storedAgentId!, ct).ConfigureAwait(false)))
            {
                // Most likely a typo: say so, rather than print an empty report.
                await error.WriteLineAsync($"error: Agent '{Text.OneLine(agentId)}' has no sessions in '{database.Display}'; 'dreaming sessions' lists the agents' sessions.").ConfigureAwait(false);
                return 1;
            }

            if (parse.GetValue(common.Json))
            {
                CliJson.WriteSnakeCase(output, ReportOutput.Json(report, from));
                return 0;
            }

            if (report.Agents.Count == 0)
            {
                output.WriteLine(from is { } f
                    ? string.Create(CultureInfo.InvariantCulture, $"no sessions started since {f.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC")
                    : "no sessions recorded yet: run your agents with UseDreaming(), or 'dreaming demo' or 'dreaming import'");
                return 0;
            }

            ReportOutput.WriteText(output, report, from);
            return 0;
        }).ConfigureAwait(false));
        return command;
    }

    private static async Task<bool> HasSessionsAsync(ITraceStore store, string agentId, CancellationToken cancellationToken) =>
        (await store.QuerySessionsAsync(new SessionQuery { AgentId = agentId, PageSize = 1 }, cancellationToken).ConfigureAwait(false)).Items.Count > 0;

    // A date (midnight UTC) or a date and time, UTC unless it gives an offset; anything else is a parse error naming the
    // option and the value.
    private static DateTimeOffset? ParseSince(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var value))
        {
            return value;
        }

        result.AddError($"--since must be a date, or a date and time, such as 2026-02-01 or 2026-02-01T08:00:00Z; got '{text}'.");
        return null;
    }
}

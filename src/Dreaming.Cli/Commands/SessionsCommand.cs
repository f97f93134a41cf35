using System.CommandLine;
using System.Globalization;
using Dreaming.Cli.Output;

namespace Dreaming.Cli.Commands;

/// <summary><c>dreaming sessions</c>: lists recorded sessions, newest first.</summary>
internal static class SessionsCommand
{
    public static Command Create(CommonOptions common, TextWriter output, TextWriter error)
    {
        var agent = new Option<string?>("--agent") { Description = "Only sessions of this agent." };
        var status = new Option<SessionStatus?>("--status") { Description = "Only sessions with this status (running, completed, failed, abandoned, blocked)." };
        var outcome = new Option<string?>("--outcome") { Description = "Only sessions with this outcome label (success, failure, ...)." };
        var parent = new Option<string?>("--parent") { Description = "Only sub-sessions of this session." };
        var limit = CommonOptions.InRange(new Option<int>("--limit") { Description = "At most this many sessions (1-1000).", DefaultValueFactory = _ => 50 }, 1, SessionQuery.MaxPageSize);

        var command = new Command("sessions", "List recorded sessions, newest first.") { agent, status, outcome, parent, limit };
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            var database = CliServices.RequireDatabase(parse.GetValue(common.Database)!);

            using var store = CliServices.OpenStore(database);
            var page = await store.QuerySessionsAsync(
                new SessionQuery
                {
                    AgentId = parse.GetValue(agent),
                    Status = parse.GetValue(status),
                    OutcomeLabel = parse.GetValue(outcome),
                    ParentSessionId = parse.GetValue(parent),
                    Order = SessionOrder.NewestFirst,
                    PageSize = parse.GetValue(limit),
                },
                ct).ConfigureAwait(false);

            if (parse.GetValue(common.Json))
            {
                CliJson.Write(output, page.Items);
                return 0;
            }

            if (page.Items.Count == 0)
            {
                output.WriteLine("no sessions match");
                return 0;
            }

            output.WriteLine($"{"ID",-36}  {"AGENT",-16}  {"STATUS",-9}  {"OUTCOME",-8}  {"EVENTS",6}  {"STARTED (UTC)",-19}  TASK");
            foreach (var s in page.Items)
            {
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{Text.OneLine(s.Id),-36}  {Text.Cut(Text.OneLine(s.AgentId), 16),-16}  {Text.Status(s.Status),-9}  {Text.OneLine(s.Outcome?.Label ?? "-"),-8}  {s.EventCount,6}  {s.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {Text.Cut(Text.OneLine(s.Task), 60)}"));
            }

            if (page.NextCursor is not null)
            {
                output.WriteLine($"(more sessions match; raise --limit or narrow the filters)");
            }

            return 0;
        }).ConfigureAwait(false));
        return command;
    }
}

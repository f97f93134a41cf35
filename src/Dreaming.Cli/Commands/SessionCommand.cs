using System.CommandLine;
using System.Globalization;
using Dreaming.Cli.Output;

namespace Dreaming.Cli.Commands;

/// <summary><c>dreaming session show ID</c>: one session and its timeline; <c>dreaming inspect ID</c> is an alias (the
/// name the design gives it), with the same output and exit codes.</summary>
internal static partial class SessionCommand
{
    public static Command Create(CommonOptions common, TextWriter output, TextWriter error) =>
        new("session", "Inspect one session.") { Show("show", "Show a session and its events.", common, output, error) };

    /// <summary><c>dreaming inspect ID</c>: an alias of <c>dreaming session show ID</c>.</summary>
    public static Command CreateInspect(CommonOptions common, TextWriter output, TextWriter error) =>
        Show("inspect", "Show a session and its events (an alias of 'session show').", common, output, error);

    private static Command Show(string name, string description, CommonOptions common, TextWriter output, TextWriter error)
    {
        var id = new Argument<string>("id") { Description = "The session id." };
        var show = new Command(name, description) { id };
        show.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            var database = common.DatabaseOf(parse);
            await using var stores = await CliServices.OpenAsync(database, ct).ConfigureAwait(false);
            var store = stores.Traces;
            var sessionId = parse.GetValue(id)!;
            // One snapshot: a session the app is still recording into (or ending) is shown as it stood at one instant,
            // its event count and status matching the events listed.
            // An import stores a log's id past the cap as its start, '~' and a hash of the whole: found by the id the log gave.
            var (_, read) = await IdentifierCap.FindAsync(sessionId, id => CliStores.GetSessionWithEventsAsync(store, id, ct), static found => found is not null).ConfigureAwait(false);

            if (read is null)
            {
                await error.WriteLineAsync($"error: Session '{sessionId}' does not exist in '{database.Display}'.").ConfigureAwait(false);
                return 1;
            }

            var (session, events) = (read.Session, read.Events);
            var children = await ReadChildrenAsync(store, session.Id, ct).ConfigureAwait(false);
            if (parse.GetValue(common.Json))
            {
                CliJson.Write(output, new
                {
                    session,
                    childSessions = children.Sessions,
                    childSessionsRunning = children.Running,
                    childTotalTokens = children.Tokens,
                    childTotalCostMinorUnits = children.Cost,
                    events = events.Select(CliJson.Event),
                });
                return 0;
            }

            WriteSession(output, session, events, children);
            return 0;
        }).ConfigureAwait(false));
        return show;
    }

    private static void WriteSession(TextWriter output, SessionRecord s, IReadOnlyList<SessionEvent> events, Children children)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"session   {Text.OneLine(s.Id)}");
        output.WriteLine($"agent     {Text.OneLine(s.AgentId)}{(s.AgentVersion is null ? string.Empty : " v" + Text.OneLine(s.AgentVersion))}");
        if (!string.IsNullOrWhiteSpace(s.Scope))
        {
            output.WriteLine($"scope     team:{Text.OneLine(s.Scope)}");
        }

        output.WriteLine($"task      {Text.OneLine(s.Task)}");
        output.WriteLine($"status    {SessionStatusNames.Of(s.Status)}");
        output.WriteLine(string.Create(inv, $"outcome   {Text.OneLine(s.Outcome?.Label ?? "-")}{(s.Outcome?.Score is { } score ? $" (score {score:0.###})" : string.Empty)}"));
        if (s.ParentSessionId is not null)
        {
            output.WriteLine($"parent    {Text.OneLine(s.ParentSessionId)}");
        }

        output.WriteLine(string.Create(inv, $"started   {s.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff} UTC, ended {(s.EndedAt is { } ended ? ended.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", inv) + " UTC" : "-")}"));
        output.WriteLine(string.Create(inv, $"usage     {s.Usage.InputTokens} in / {s.Usage.OutputTokens} out tokens, {s.Usage.ModelCalls} model {(s.Usage.ModelCalls == 1 ? "call" : "calls")}{Cost(s.Usage)}"));
        if (children.Sessions > 0)
        {
            // The usage above is the session's own calls only: an orchestration run's items used theirs on its children.
            var running = children.Running > 0 ? $", {children.Running} still running" : string.Empty;
            var cost = children.Cost == 0 ? string.Empty : $", cost {children.Cost} minor units";
            output.WriteLine(string.Create(inv, $"children  {children.Tokens} tokens{cost} on its {children.Sessions} child {(children.Sessions == 1 ? "session" : "sessions")}{running}, not in the usage above (dreaming sessions --parent {Text.OneLine(s.Id)})"));
        }

        output.WriteLine(string.Create(inv, $"events    {s.EventCount}{(s.DroppedEventCount > 0 ? $" ({s.DroppedEventCount} dropped)" : string.Empty)}"));
        output.WriteLine();
        foreach (var e in events)
        {
            output.WriteLine(string.Create(inv, $"{e.Sequence,4}  {e.Timestamp.UtcDateTime:HH:mm:ss.fff}  {e.EventType,-18}  {Text.Cut(Text.OneLine(Describe(e, s)), 100)}"));
        }
    }

    // The direct child sessions of the session (an orchestration run's items), running or ended, and what they used.
    private static async Task<Children> ReadChildrenAsync(ITraceStore store, string sessionId, CancellationToken cancellationToken)
    {
        var children = default(Children);
        await foreach (var child in Reports.ChildSessions.OfAsync(store, sessionId, SessionQuery.MaxPageSize, cancellationToken).ConfigureAwait(false))
        {
            children = new Children(
                children.Sessions + 1,
                children.Running + (child.Status == SessionStatus.Running ? 1 : 0),
                SaturatingSum.Add(children.Tokens, child.Usage.TotalTokens),
                SaturatingSum.Add(children.Cost, child.Usage.CostMinorUnits));
        }
        return children;
    }

    private readonly record struct Children(long Sessions, long Running, long Tokens, long Cost);

    // A cost of 0 is unknown (no pricing, DreamingOptions.CostOf), so it is left out rather than shown as free.
    private static string Cost(SessionUsage usage) =>
        usage.CostMinorUnits == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $", cost {usage.CostMinorUnits} minor units");
}

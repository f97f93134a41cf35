using System.Globalization;
using Dreaming.Cli.Output;

namespace Dreaming.Cli.Reports;

/// <summary>The text and JSON of <c>dreaming report</c>.</summary>
internal static class ReportOutput
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    /// <summary>The JSON object a dashboard charts: snake_case, every field present (<see langword="null"/> when it has no
    /// value), rates and means rounded to 4 places.</summary>
    public static object Json(SessionReport report, DateTimeOffset? since) => new
    {
        Since = since,
        Agents = report.Agents.Select(a => new
        {
            a.AgentId,
            Sessions = a.Groups.Sum(g => g.Sessions),
            RunningSessions = a.Running,
            Groups = a.Groups.Select(g => new
            {
                Memory = Label(g, terminal: false),
                MemoryVersionId = g.VersionId,
                MemoryVersionNumber = g.Version?.Number,
                MemoryVersionState = g.Version is { } v ? MemoryText.State(v.State) : null,
                MemoryScope = g.Version?.Scope.Key,
                MemoryVersions = g.Versions.Select(v => new
                {
                    Scope = v.ScopeKey,
                    VersionId = v.Id,
                    v.Version?.Number,
                    State = v.Version is { } known ? MemoryText.State(known.State) : null,
                }),
                g.Sessions,
                FailedSessions = g.Failed,
                AbandonedSessions = g.Abandoned,
                SessionsWithOutcome = g.WithOutcome,
                PassedSessions = g.Passed,
                PassRate = Round(g.PassRate),
                ScoredSessions = g.Scored,
                MeanScore = Round(g.MeanScore),
                TotalTokens = g.Tokens,
                MeanTokens = Round(g.MeanTokens),
                TotalCostMinorUnits = g.Cost,
                MeanCostMinorUnits = Round(g.MeanCost),
                ChildSessions = g.ChildSessions,
                ChildTotalTokens = g.ChildTokens,
                ChildTotalCostMinorUnits = g.ChildCost,
                FirstStartedAt = g.FirstStartedAt,
                LastStartedAt = g.LastStartedAt,
            }),
        }),
    };

    /// <summary>Writes the report as tables, one an agent.</summary>
    public static void WriteText(TextWriter output, SessionReport report, DateTimeOffset? since)
    {
        if (since is { } from)
        {
            output.WriteLine(string.Create(s_inv, $"sessions started since {from.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC"));
            output.WriteLine();
        }

        foreach (var agent in report.Agents)
        {
            var sessions = agent.Groups.Sum(g => g.Sessions);
            output.WriteLine(string.Create(
                s_inv,
                $"agent {Text.OneLine(agent.AgentId)}: {sessions} ended {(sessions == 1 ? "session" : "sessions")}{(agent.Running > 0 ? $" ({agent.Running} still running, not counted)" : string.Empty)}"));
            if (agent.Groups.Count == 0)
            {
                output.WriteLine();
                continue;
            }

            // The memory column is 28 wide, or as wide as the longest label (a combination of versions), up to 64.
            var width = Math.Clamp(agent.Groups.Max(g => Label(g, terminal: true).Length), 28, 64);
            output.WriteLine($"  {"MEMORY".PadRight(width)}  {"SESSIONS",8}  {"FAILED",6}  {"ABANDONED",9}  {"PASSED",13}  {"MEAN SCORE",10}  {"TOKENS/SESSION",14}  {"COST",10}  {"COST/SESSION",12}  {"FIRST (UTC)",-16}  LAST (UTC)");
            foreach (var g in agent.Groups)
            {
                var passed = g.PassRate is { } rate ? string.Create(s_inv, $"{g.Passed}/{g.WithOutcome} {rate * 100:0.0}%") : "-";
                var score = g.MeanScore is { } mean ? mean.ToString("0.000", s_inv) : "-";
                output.WriteLine(string.Create(
                    s_inv,
                    $"  {Text.Cut(Label(g, terminal: true), width).PadRight(width)}  {g.Sessions,8}  {g.Failed,6}  {g.Abandoned,9}  {passed,13}  {score,10}  {g.MeanTokens,14:N0}  {g.Cost,10:N0}  {g.MeanCost,12:N1}  {g.FirstStartedAt.UtcDateTime:yyyy-MM-dd HH:mm}  {g.LastStartedAt.UtcDateTime:yyyy-MM-dd HH:mm}"));
            }

            // An orchestration run's session holds only its coordinator's calls; what its items used is on its child
            // sessions, counted in their own agents' rows, so it is shown beside the row and never added to it.
            foreach (var g in agent.Groups.Where(g => g.ChildSessions > 0))
            {
                output.WriteLine(string.Create(
                    s_inv,
                    $"  children of {Label(g, terminal: true)}: {g.ChildSessions} ended child {(g.ChildSessions == 1 ? "session" : "sessions")}, {g.ChildTokens:N0} tokens, cost {g.ChildCost:N0} (counted in their own agents' rows, not in this row's)"));
            }

            output.WriteLine();
        }

        output.WriteLine("FAILED: ended failed or blocked. PASSED: of the sessions with an outcome, those graded a pass. COST in the store's minor units.");
        if (report.Agents.Any(a => a.Groups.Any(g => g.ChildSessions > 0)))
        {
            output.WriteLine("TOKENS and COST are each session's own calls: an orchestration run's are its coordinator's; its items' are on its child sessions, in their agents' rows and on the 'children of' line.");
        }
    }

    /// <summary>The group's memory as shown: <c>no memory</c>, <c>v2 (active)</c>, <c>team:ops v1 (superseded)</c>, or
    /// the id and <c>(unknown)</c> for an id the memory store does not know; for sessions given several versions, each
    /// without its state, joined by <c> + </c>: <c>v2 + team:billing v1 + global v3</c>. For a <paramref name="terminal"/>,
    /// stored text (a scope's key, an id) is put on one line with its control characters escaped; JSON keeps it as it is.</summary>
    public static string Label(ReportGroup group, bool terminal)
    {
        Func<string?, string> text = terminal ? Text.OneLine : static s => s ?? string.Empty;
        return group.Versions.Count switch
        {
            0 => "no memory",
            1 => Label(group.Versions[0], text, withState: true),
            _ => string.Join(" + ", group.Versions.Select(v => Label(v, text, withState: false))),
        };
    }

    private static string Label(ReportVersion version, Func<string?, string> text, bool withState)
    {
        var state = withState && version.Version is { } known ? " (" + MemoryText.State(known.State) + ")" : string.Empty;
        return version switch
        {
            { Version: { } v, OtherScope: false } => string.Create(s_inv, $"v{v.Number}{state}"),
            { Version: { } v } => string.Create(s_inv, $"{text(v.Scope.Key)} v{v.Number}{state}"),
            _ => text(version.Id) + " (unknown)",
        };
    }

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 4) : null;

    private static double Round(double value) => Math.Round(value, 4);
}

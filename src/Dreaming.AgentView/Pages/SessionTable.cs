using System.Globalization;
using Dreaming.AgentView.Rendering;

namespace Dreaming.AgentView.Pages;

/// <summary>Writes a table of sessions, one row each, linking to each session's page.</summary>
internal static class SessionTable
{
    private const int TaskLength = 120;

    /// <summary>The longest link a row writes twice (on its start time and its task): a session whose escaped id makes a
    /// longer one (up to <see cref="HtmlWriter.MaxHrefLength"/>) is linked from its start time alone, so a page of such
    /// rows does not cost each id twice.</summary>
    public const int RepeatedLinkLength = 1000;

    /// <summary>Writes the table, or a line saying there are none.</summary>
    /// <param name="html">The page.</param>
    /// <param name="view">The request.</param>
    /// <param name="sessions">The sessions, in the order to show.</param>
    /// <param name="empty">The line shown when there are none.</param>
    public static void Write(HtmlWriter html, AgentViewContext view, IReadOnlyList<SessionRecord> sessions, string empty = "No sessions.")
    {
        if (sessions.Count == 0)
        {
            html.Element("p", empty, "empty");
            return;
        }

        html.Raw("<table class=\"sessions\"><thead><tr><th>Started (UTC)</th><th>Agent</th><th>Task</th><th>Status</th><th class=\"num\">Duration</th><th class=\"num\">Tokens</th><th class=\"num\">Cost</th><th>Outcome</th></tr></thead><tbody>");
        foreach (var session in sessions)
        {
            var href = view.Href("sessions", session.Id);
            html.Raw("<tr><td>");
            var started = html.OpenLink(href);
            html.Time(session.StartedAt).CloseLink(started);
            html.Raw("</td><td>").Short(session.AgentId);
            html.Raw("</td><td>");
            if (href.Length <= RepeatedLinkLength)
            {
                var linked = html.OpenLink(href);
                html.Cut(session.Task, TaskLength).CloseLink(linked);
            }
            else
            {
                html.Cut(session.Task, TaskLength);
            }

            html.Raw("</td><td>").Element("span", Status(session.Status), "status status-" + Status(session.Status));
            html.Raw("</td><td class=\"num\">").Text(Duration(session));
            html.Raw("</td><td class=\"num\">").Number(session.Usage.TotalTokens);
            html.Raw("</td><td class=\"num\">").Number(session.Usage.CostMinorUnits);
            html.Raw("</td><td>");
            WriteOutcome(html, session.Outcome);
            html.Raw("</td></tr>");
        }

        html.Raw("</tbody></table>");
    }

    /// <summary>A status as the view shows it: lower case, as the CLI and the JSON write it.</summary>
    /// <param name="status">The status.</param>
    public static string Status(SessionStatus status) => SessionStatusNames.Of(status);

    /// <summary>How long a session ran, or has been running: "850 ms", "12.4 s", "3 min 5 s", "2 h 4 min".</summary>
    /// <param name="session">The session.</param>
    public static string Duration(SessionRecord session)
    {
        if (session.EndedAt is not { } ended)
        {
            return "-";
        }

        var span = ended - session.StartedAt;
        return span switch
        {
            { TotalMilliseconds: < 0 } => "-",
            { TotalSeconds: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{span.TotalMilliseconds:0} ms"),
            { TotalMinutes: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.0} s"),
            { TotalHours: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes} min {span.Seconds} s"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{(long)span.TotalHours} h {span.Minutes} min"),
        };
    }

    /// <summary>Writes an outcome: its label, and its score when it has one, cut to two decimals.</summary>
    /// <param name="html">The page.</param>
    /// <param name="outcome">The outcome, or <see langword="null"/>.</param>
    public static void WriteOutcome(HtmlWriter html, SessionOutcome? outcome)
    {
        if (outcome is null)
        {
            html.Element("span", "-", "muted");
            return;
        }

        html.Open("span", "status status-" + HtmlWriter.ClassName(outcome.Label)).Short(outcome.Label).Close("span");
        if (outcome.Score is { } score)
        {
            // Cut, never rounded up: a score just below a threshold (0.7496 against 0.75) must not read as reaching it.
            html.Text(string.Create(CultureInfo.InvariantCulture, $" {Math.Floor((score * 100) + 1e-7) / 100:0.00}"));
        }
    }
}

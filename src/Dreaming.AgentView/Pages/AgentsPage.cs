using System.Globalization;
using Dreaming.AgentView.Rendering;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Pages;

/// <summary>The agents page: every agent with sessions in the window (the last <c>days</c> UTC days), with its counts,
/// tokens, cost, mean outcome score and pass rate, each linking to its charts.</summary>
/// <remarks>Reads the window's sessions a store page (1,000) at a time, newest first, up to
/// <see cref="AgentSessions.Cap"/>: at most 21 queries, no event or memory reads.</remarks>
internal static class AgentsPage
{
    /// <summary>The page's path under the view.</summary>
    public const string Path = "agents";

    /// <summary>The characters of an agent id shown; a longer one is cut, whole in its tooltip.</summary>
    public const int IdLength = 120;

    /// <summary>Writes the page.</summary>
    /// <param name="view">The request.</param>
    public static async Task WriteAsync(AgentViewContext view)
    {
        var services = view.Http.RequestServices;
        if (!AgentWindow.TryRead(view.Http.Request, services.GetRequiredService<TimeProvider>().GetUtcNow(), out var window, out var error))
        {
            await AgentViewLayout.WriteBadRequestAsync(view, error).ConfigureAwait(false);
            return;
        }

        var agents = new SortedDictionary<string, AgentFigures>(StringComparer.Ordinal);
        var read = await AgentSessions.ReadAsync(services.GetRequiredService<ITraceStore>(), null, window, session =>
        {
            if (!agents.TryGetValue(session.AgentId, out var figures))
            {
                figures = new AgentFigures();
                agents.Add(session.AgentId, figures);
            }

            figures.Add(session);
            return ValueTask.CompletedTask;
        }, view.Aborted).ConfigureAwait(false);

        await AgentViewLayout.WritePageAsync(view, "Agents", html =>
        {
            html.Raw("<p>").Text($"Sessions that started {window.Describe()}. ");
            WriteWindowChoices(html, view, window, Path);
            html.Raw("</p>");
            read.WriteCapNote(html);
            if (agents.Count == 0)
            {
                html.Element("p", string.Create(CultureInfo.InvariantCulture, $"No sessions {window.Describe()}."), "empty");
                return;
            }

            html.Raw("<table class=\"agents\"><thead><tr><th>Agent</th><th class=\"num\">Sessions</th><th class=\"num\">Completed</th><th class=\"num\">Failed</th><th class=\"num\">Blocked</th><th class=\"num\">Abandoned</th><th class=\"num\">Running</th><th class=\"num\">Tokens</th><th class=\"num\">Cost</th><th class=\"num\">Mean score</th><th class=\"num\">Pass rate</th></tr></thead><tbody>");
            foreach (var (agentId, figures) in agents)
            {
                html.Raw("<tr><td>");
                var linked = html.OpenLink(AgentHref(view, agentId, window));
                html.Cut(agentId, IdLength).CloseLink(linked);
                html.Raw("</td><td class=\"num\">").Number(figures.Sessions);
                html.Raw("</td><td class=\"num\">").Number(figures.Completed);
                html.Raw("</td><td class=\"num\">").Number(figures.Failed);
                html.Raw("</td><td class=\"num\">").Number(figures.Blocked);
                html.Raw("</td><td class=\"num\">").Number(figures.Abandoned);
                html.Raw("</td><td class=\"num\">").Number(figures.Running);
                html.Raw("</td><td class=\"num\">").Number(figures.Tokens);
                html.Raw("</td><td class=\"num\">").Number(figures.Cost);
                html.Raw("</td><td class=\"num\">").Text(AgentFigures.Score(figures.MeanScore));
                html.Raw("</td><td class=\"num\">").Text(AgentFigures.Percent(figures.PassRate));
                html.Raw("</td></tr>");
            }

            html.Raw("</tbody></table>");
            html.Element("p", "Tokens, cost, mean score and pass rate are of the ended sessions (a running session's are not final). A pass is an outcome labelled success or satisfied on a session that did not end failed or blocked, as dreaming report counts it; sessions without an outcome or a score are left out of the rate and the mean, not counted as 0. Cost is in the minor units the app prices in.", "muted");
        }).ConfigureAwait(false);
    }

    /// <summary>The link to an agent's page, keeping the window.</summary>
    /// <param name="view">The request.</param>
    /// <param name="agentId">The agent id.</param>
    /// <param name="window">The window shown.</param>
    public static string AgentHref(AgentViewContext view, string agentId, AgentWindow window) =>
        view.HrefWithQuery(Path + "/" + Uri.EscapeDataString(agentId), (AgentWindow.QueryName, window.Days == AgentWindow.DefaultDays ? null : window.Days.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Writes links to the same page over other windows; the one shown is not a link.</summary>
    /// <param name="html">The page.</param>
    /// <param name="view">The request.</param>
    /// <param name="window">The window shown.</param>
    /// <param name="path">The page's path under the view (escaped).</param>
    public static void WriteWindowChoices(HtmlWriter html, AgentViewContext view, AgentWindow window, string path)
    {
        html.Raw("<span class=\"window-choices\">");
        foreach (var days in AgentWindow.Choices)
        {
            var text = string.Create(CultureInfo.InvariantCulture, $"{days} days");
            if (days == window.Days)
            {
                html.Element("strong", text);
            }
            else
            {
                html.Link(view.HrefWithQuery(path, (AgentWindow.QueryName, days.ToString(CultureInfo.InvariantCulture))), text);
            }

            html.Raw(" ");
        }

        html.Raw("</span>");
    }
}

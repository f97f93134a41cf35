using System.Globalization;
using Dreaming.AgentView.Rendering;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Pages;

/// <summary>An agent's page: its ended sessions of the window by the memory versions they were given, as a table, and as
/// charts of the mean outcome score and the cost per UTC day, one line per version (or combination of versions), so a
/// reviewer sees whether a new version helped.</summary>
/// <remarks>Costs the window's session queries (a store page of 1,000 at a time, up to <see cref="AgentSessions.Cap"/>),
/// the memory scopes' version lists, and the events of at most <see cref="AgentMemory.MaxEventReads"/> sessions (only
/// those the record names no version of and that ended after the first version they could have been given).</remarks>
internal static partial class AgentPage
{
    /// <summary>The route of the page under the view.</summary>
    public const string Route = "/" + AgentsPage.Path + "/{agentId}";

    /// <summary>The most lines a chart draws; the tables hold every series.</summary>
    public const int MaxChartLines = 8;

    /// <summary>Writes the page.</summary>
    /// <param name="view">The request.</param>
    public static async Task WriteAsync(AgentViewContext view)
    {
        var agentId = RouteSegments.Read(view.Http, view.Http.Request.RouteValues["agentId"] as string ?? string.Empty);
        var services = view.Http.RequestServices;
        if (!AgentWindow.TryRead(view.Http.Request, services.GetRequiredService<TimeProvider>().GetUtcNow(), out var window, out var error))
        {
            await AgentViewLayout.WriteBadRequestAsync(view, error).ConfigureAwait(false);
            return;
        }

        if (UnpairedSurrogates.IndexOf(agentId) >= 0)
        {
            await AgentViewLayout.WriteBadRequestAsync(view, $"The agent id '{AgentViewLayout.Echo(agentId)}' holds half a surrogate pair: no agent has such an id.").ConfigureAwait(false);
            return;
        }

        var traces = services.GetRequiredService<ITraceStore>();
        var typed = agentId;
        if (agentId.Length > SessionRecord.MaxIdLength && !await AnySessionAsync(traces, agentId, view.Aborted).ConfigureAwait(false))
        {
            // An imported agent's id as its log gave it: its sessions are stored under its capped form, as 'dreaming sessions
            // --agent' finds them (a build before the cap stored it whole, found as given). The read below finds them, or
            // tells that there are none, so the capped form is not looked up first.
            agentId = IdentifierCap.StoredId(agentId);
        }

        var memory = new AgentMemory(services.GetRequiredService<IMemoryStore>(), traces, agentId);
        var all = new AgentFigures();
        var series = new AgentSeriesSet(window.Days);
        var read = await AgentSessions.ReadAsync(traces, agentId, window, async session =>
        {
            all.Add(session);
            if (session.Status != SessionStatus.Running && await memory.GivenAsync(session, view.Aborted).ConfigureAwait(false) is { } given)
            {
                series.Of(given).Add(session, window.DayOf(session.StartedAt));
            }
        }, view.Aborted).ConfigureAwait(false);

        if (read.Count == 0 && !await AnySessionAsync(traces, agentId, view.Aborted).ConfigureAwait(false))
        {
            await AgentViewLayout.WriteNotFoundAsync(view, $"No agent '{AgentViewLayout.Echo(typed)}': no session of it is recorded.").ConfigureAwait(false);
            return;
        }

        var ordered = await series.OrderedAsync(memory, view.Aborted).ConfigureAwait(false);
        var title = "Agent " + (agentId.Length <= AgentsPage.IdLength ? agentId : agentId[..(char.IsHighSurrogate(agentId[AgentsPage.IdLength - 1]) ? AgentsPage.IdLength - 1 : AgentsPage.IdLength)] + "\u2026");
        await AgentViewLayout.WritePageAsync(view, title, html =>
        {
            var path = AgentsPage.Path + "/" + Uri.EscapeDataString(agentId);
            html.Raw("<p>").Text($"Sessions of the agent that started {window.Describe()}: ").Number(all.Sessions)
                .Text(all.Running == 0 ? ". " : string.Create(CultureInfo.InvariantCulture, $", {all.Running:N0} of them still running and not charted. "));
            AgentsPage.WriteWindowChoices(html, view, window, path);
            html.Raw(" ").Link(view.HrefWithQuery(AgentsPage.Path, (AgentWindow.QueryName, window.Days == AgentWindow.DefaultDays ? null : window.Days.ToString(CultureInfo.InvariantCulture))), "All agents").Raw("</p>");
            read.WriteCapNote(html);
            if (memory.NotRead > 0)
            {
                html.Element("p", string.Create(CultureInfo.InvariantCulture, $"The memory version of {memory.NotRead:N0} older sessions is not known: their events were not read (at most {AgentMemory.MaxEventReads:N0} sessions' events are read for this page). They are left out of the table and the charts. Choose fewer days to see them."), "cap-note");
            }

            if (ordered.Count == 0)
            {
                html.Element("p", string.Create(CultureInfo.InvariantCulture, $"No ended sessions {window.Describe()}."), "empty");
                return;
            }

            WriteVersions(html, view, ordered);
            WriteCharts(html, view, window, ordered);
        }).ConfigureAwait(false);
    }

    private static async Task<bool> AnySessionAsync(ITraceStore traces, string agentId, CancellationToken cancellationToken) =>
        (await traces.QuerySessionsAsync(new SessionQuery { AgentId = agentId, PageSize = 1 }, cancellationToken).ConfigureAwait(false)).Items.Count > 0;

    // The table of the agent's versions: one row per series, with its figures over the window.
    private static void WriteVersions(HtmlWriter html, AgentViewContext view, IReadOnlyList<AgentSeries> ordered)
    {
        html.Raw("<section id=\"versions\">").Element("h3", "Memory versions");
        html.Raw("<table class=\"versions\"><thead><tr><th>Memory version</th><th class=\"num\">Sessions</th><th class=\"num\">Scored</th><th class=\"num\">Mean score</th><th class=\"num\">Pass rate</th><th class=\"num\">Mean cost</th><th>First session (UTC)</th><th>Last session (UTC)</th></tr></thead><tbody>");
        foreach (var line in ordered)
        {
            var figures = line.Total;
            html.Raw("<tr><td>");
            WriteSeriesName(html, view, line);
            html.Raw("</td><td class=\"num\">").Number(figures.Sessions);
            html.Raw("</td><td class=\"num\">").Number(figures.Scored);
            html.Raw("</td><td class=\"num\">").Text(AgentFigures.Score(figures.MeanScore));
            html.Raw("</td><td class=\"num\">").Text(AgentFigures.Percent(figures.PassRate));
            html.Raw("</td><td class=\"num\">").Text(AgentFigures.MeanOf(figures.MeanCost));
            html.Raw("</td><td>").Text(figures.First.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            html.Raw("</td><td>").Text(figures.Last.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            html.Raw("</td></tr>");
        }

        html.Raw("</tbody></table>");
        html.Element("p", "The version of a session is the one its record names, or else the versions UseDreaming() gave it (its memory.injected events), as dreaming report attributes them; sessions given several (their agent's, their team's, the global memory) form a row of their own. Sessions still running are not counted.", "muted");
        html.Raw("</section>");
    }

    /// <summary>Writes a series' name: each version a link to its page, joined by " + "; "No memory" as text.</summary>
    /// <param name="html">The page.</param>
    /// <param name="view">The request.</param>
    /// <param name="series">The series.</param>
    internal static void WriteSeriesName(HtmlWriter html, AgentViewContext view, AgentSeries series)
    {
        if (series.Versions.Count == 0)
        {
            html.Text(series.Label);
            return;
        }

        for (var i = 0; i < series.Versions.Count; i++)
        {
            html.Raw(i == 0 ? "" : " + ").Link(view.Href("memory", "versions", series.Versions[i].Id), series.Versions[i].Label);
        }
    }
}

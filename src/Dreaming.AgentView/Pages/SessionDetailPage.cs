using System.Globalization;
using Dreaming.AgentView.Rendering;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Pages;

/// <summary>One session: its header (agent, task, status, times, usage, outcome, memory, parent, metadata), its child
/// sessions, its outcome iterations per criterion and its timeline of events.</summary>
/// <remarks>Store reads: the session, its child sessions (one page of <see cref="AgentViewOptions.PageSize"/>), the window
/// of <see cref="SessionTimeline.MaxEvents"/> events the timeline shows (after the event number the <c>after</c> query
/// names), the tool events before it when a window after the first holds a call or result, the tool events after it
/// when one of its calls is still open, and the session's outcome evaluation events (<see cref="ReadEventsAsync"/>): never all of a long session's events,
/// but on a store whose event query is the interface's default, where each query would read them all: there they are read once.</remarks>
internal static partial class SessionDetailPage
{
    /// <summary>Writes the page, or a 404 page naming the id.</summary>
    /// <param name="view">The request.</param>
    public static async Task WriteAsync(AgentViewContext view)
    {
        var id = RouteSegments.Read(view.Http, view.Http.Request.RouteValues["id"] as string ?? string.Empty);
        if (RecordedValues.Asked(view.Http.Request.Query))
        {
            await RecordedValues.WriteAsync(view, id).ConfigureAwait(false);
            return;
        }

        var afterValues = view.Http.Request.Query[SessionTimeline.After];
        long? after = null;
        if (afterValues.Count == 1 && long.TryParse(afterValues[0], NumberStyles.None, CultureInfo.InvariantCulture, out var given))
        {
            after = given;
        }
        else if (afterValues.Count > 1 || (afterValues.Count == 1 && !string.IsNullOrEmpty(afterValues[0])))
        {
            await AgentViewLayout.WriteBadRequestAsync(view, $"The event number '{AgentViewLayout.Echo(afterValues.ToString())}' given as '{SessionTimeline.After}' is not one whole number of 0 or more.").ConfigureAwait(false);
            return;
        }

        var store = view.Http.RequestServices.GetRequiredService<ITraceStore>();
        // An imported session's id as its log gave it finds the session stored under its capped form, as 'dreaming session show' does.
        var (_, session) = await IdentifierCap.FindAsync(id, given => store.GetSessionAsync(given, view.Aborted), static found => found is not null).ConfigureAwait(false);
        if (session is null)
        {
            await AgentViewLayout.WriteNotFoundAsync(view, $"No session '{AgentViewLayout.Echo(id)}'.").ConfigureAwait(false);
            return;
        }

        var children = await store.QuerySessionsAsync(
            new SessionQuery { ParentSessionId = session.Id, Order = SessionOrder.OldestFirst, PageSize = view.Options.PageSize },
            view.Aborted).ConfigureAwait(false);
        var events = await ReadEventsAsync(store, session.Id, after, view.Aborted).ConfigureAwait(false);

        await AgentViewLayout.WritePageAsync(view, "Session " + AgentViewLayout.Echo(session.Id), html =>
        {
            var texts = new LongTextWriter();
            WriteHeader(html, view, session, texts);
            html.Raw("<section id=\"children\">").Element("h3", "Child sessions");
            SessionTable.Write(html, view, children.Items, "None.");
            if (children.NextCursor is not null)
            {
                html.Raw("<p class=\"cap-note\">").Text(string.Create(CultureInfo.InvariantCulture, $"Only the first {children.Items.Count:N0} are shown. "))
                    .Link(view.HrefWithQuery("sessions", (SessionListFilter.Parent, session.Id)), "All child sessions").Raw("</p>");
            }

            html.Raw("</section>");
            OutcomeIterations.Write(html, session, events.Outcome);
            SessionTimeline.Write(html, view, session, events, after, texts);
        }).ConfigureAwait(false);
    }

    private static void WriteHeader(HtmlWriter html, AgentViewContext view, SessionRecord session, LongTextWriter texts)
    {
        texts.Whole = RecordedValues.RecordHref;
        html.Raw("<dl class=\"facts\">");
        Fact(html, "agent", "Agent").Short(session.AgentId);
        if (session.AgentVersion is not null)
        {
            Fact(html, "version", "Version").Short(session.AgentVersion);
        }

        if (session.Scope is not null)
        {
            Fact(html, "scope", "Scope").Short(session.Scope);
        }

        Fact(html, "status", "Status").Element("span", SessionTable.Status(session.Status), "status status-" + SessionTable.Status(session.Status));
        Fact(html, "started", "Started (UTC)").Time(session.StartedAt);
        Fact(html, "ended", "Ended (UTC)").Time(session.EndedAt);
        Fact(html, "duration", "Duration").Text(SessionTable.Duration(session));
        var usage = session.Usage;
        Fact(html, "tokens", "Tokens").Text(string.Create(CultureInfo.InvariantCulture, $"{usage.InputTokens:N0} in, {usage.OutputTokens:N0} out, {usage.CachedInputTokens:N0} cached"));
        Fact(html, "model-calls", "Model calls").Number(usage.ModelCalls);
        Fact(html, "cost", "Cost").Number(usage.CostMinorUnits);
        Fact(html, "outcome", "Outcome");
        if (session.Outcome is { } outcome)
        {
            html.Open("span", "status status-" + HtmlWriter.ClassName(outcome.Label)).Short(outcome.Label).Close("span");
            if (outcome.Score is { } score)
            {
                html.Text(" " + OutcomeIterations.Score(score));
            }

            if (outcome.Source is not null)
            {
                html.Raw(" ").Open("span", "muted").Text("(").Short(outcome.Source).Text(")").Close("span");
            }
        }
        else
        {
            html.Element("span", "-", "muted");
        }

        Fact(html, "memory", "Memory version");
        if (session.MemoryVersionId is { } version)
        {
            html.Link(view.Href("memory", "versions", version), version);
        }
        else
        {
            html.Element("span", "-", "muted");
        }

        Fact(html, "insights", "Insights given");
        WriteIds(html, session.InsightIds);
        if (session.ParentSessionId is { } parent)
        {
            Fact(html, "parent", "Parent session").Link(view.Href("sessions", parent), parent);
        }

        Fact(html, "events", "Events").Number(session.EventCount);
        if (session.DroppedEventCount != 0)
        {
            Fact(html, "dropped", "Dropped events").Raw("<span class=\"warning\">").Number(session.DroppedEventCount)
                .Raw(" events were not recorded (backpressure or a store failure)</span>");
        }

        Fact(html, "record", "Recorded").Link(RecordedValues.RecordHref, "the session record as JSON (every value whole)", "record");
        html.Raw("</dd></dl>");
        html.Element("h3", "Task");
        texts.WriteWhole(html, session.Task, "task");
        if (session.Metadata.Count > 0)
        {
            html.Element("h3", "Metadata").Raw("<table class=\"metadata\"><tbody>");
            foreach (var (key, value) in session.Metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal).Take(MaxListed))
            {
                html.Raw("<tr><th>").Short(key).Raw("</th><td>");
                texts.Write(html, value);
                html.Raw("</td></tr>");
            }

            html.Raw("</tbody></table>");
            if (session.Metadata.Count > MaxListed)
            {
                html.Element("p", string.Create(CultureInfo.InvariantCulture, $"The first {MaxListed} of {session.Metadata.Count:N0} entries (by key) are shown."), "cap-note");
            }
        }
    }

    /// <summary>The most ids a list of insight ids shows, and the most metadata entries the header shows; a note says how
    /// many more there are.</summary>
    public const int MaxListed = 100;

    /// <summary>Writes a list of ids as code (the first <see cref="MaxListed"/>, each cut at
    /// <see cref="HtmlWriter.ValueLength"/>), or a dash when there are none.</summary>
    /// <param name="html">The page.</param>
    /// <param name="ids">The ids.</param>
    internal static void WriteIds(HtmlWriter html, IReadOnlyList<string> ids)
    {
        if (ids.Count == 0)
        {
            html.Element("span", "-", "muted");
            return;
        }

        for (var i = 0; i < ids.Count && i < MaxListed; i++)
        {
            html.Raw(i == 0 ? string.Empty : ", ").Open("code").Short(ids[i]).Close("code");
        }

        if (ids.Count > MaxListed)
        {
            html.Raw(" ").Element("span", string.Create(CultureInfo.InvariantCulture, $"and {ids.Count - MaxListed:N0} more"), "cap-note");
        }
    }

    // Closes the previous fact's <dd> (the first one has none) and opens this one's.
    private static HtmlWriter Fact(HtmlWriter html, string id, string label) =>
        html.Raw(id == "agent" ? string.Empty : "</dd>").Raw("<dt>").Text(label).Raw("</dt><dd id=\"fact-" + id + "\">");
}

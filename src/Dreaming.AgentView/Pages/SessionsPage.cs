using System.Globalization;
using Dreaming.AgentView.Rendering;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Pages;

/// <summary>All sessions, newest first, one page at a time (the store's keyset cursor), with a form filtering them by
/// agent, status, outcome label, parent session, scope and start time.</summary>
/// <remarks>One store query per page, of <see cref="AgentViewOptions.PageSize"/> sessions (or the <c>size</c> the link
/// asks for), however large the store is; no total count.</remarks>
internal static class SessionsPage
{
    /// <summary>Writes the page, or a 400 page naming a bad value.</summary>
    /// <param name="view">The request.</param>
    public static async Task WriteAsync(AgentViewContext view)
    {
        if (!SessionListFilter.TryRead(view.Http.Request.Query, view.Options.PageSize, out var filter, out var error))
        {
            await AgentViewLayout.WriteBadRequestAsync(view, error!).ConfigureAwait(false);
            return;
        }

        var store = view.Http.RequestServices.GetRequiredService<ITraceStore>();
        SessionPage page;
        try
        {
            page = await QueryAsync(store, filter.Query, view.Aborted).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            // A cursor this store did not issue, or a filter value no session can have (half a surrogate pair): the store's
            // message without .NET's "(Parameter 'cursor')"; a cursor of another store, or one cut short, is mended by
            // starting again.
            // The store's message names a refused cursor whole: the page echoes at most AgentViewLayout.EchoLength of it.
            var message = ex.ParamName is { } parameter ? ex.Message.Replace($" (Parameter '{parameter}')", string.Empty, StringComparison.Ordinal) : ex.Message;
            if (filter.Given(SessionListFilter.Cursor) is { Length: > AgentViewLayout.EchoLength } cursor)
            {
                message = message.Replace(cursor, AgentViewLayout.Echo(cursor), StringComparison.Ordinal);
            }

            await AgentViewLayout.WriteBadRequestAsync(view, ex.ParamName == "cursor" ? message + " Open the list from its first page." : message).ConfigureAwait(false);
            return;
        }

        await AgentViewLayout.WritePageAsync(view, "Sessions", html =>
        {
            WriteForm(html, view, filter);
            SessionTable.Write(html, view, page.Items, "No sessions match.");
            html.Raw("<p class=\"pager\">");
            if (filter.Given(SessionListFilter.Cursor) is not null)
            {
                html.Link(view.HrefWithQuery("sessions", filter.Filters()), "First page").Raw(" ");
            }

            if (page.NextCursor is not null)
            {
                html.Link(view.HrefWithQuery("sessions", [.. filter.Filters(), (SessionListFilter.Cursor, page.NextCursor)]), "Next page", "next");
            }

            html.Raw("</p>");
        }).ConfigureAwait(false);
    }

    private static void WriteForm(HtmlWriter html, AgentViewContext view, SessionListFilter filter)
    {
        html.Raw("<form class=\"filters\" method=\"get\" action=\"").Text(view.Href("sessions")).Raw("\">");
        TextField(html, filter, SessionListFilter.Agent, "Agent");
        html.Raw("<label>Status <select name=\"status\"><option value=\"\">any</option>");
        foreach (var status in SessionListFilter.Statuses)
        {
            var name = SessionTable.Status(status);
            var selected = filter.Query.Status == status ? " selected" : string.Empty;
            html.Raw("<option value=\"").Text(name).Raw("\"" + selected + ">").Text(name).Raw("</option>");
        }

        html.Raw("</select></label>");
        TextField(html, filter, SessionListFilter.Outcome, "Outcome");
        TextField(html, filter, SessionListFilter.Parent, "Parent session");
        TextField(html, filter, SessionListFilter.Scope, "Scope");
        TimeField(html, filter, SessionListFilter.From, "Started from");
        TimeField(html, filter, SessionListFilter.Before, "Started before");
        if (filter.PageSize is { } size)
        {
            html.Raw("<input type=\"hidden\" name=\"size\" value=\"").Text(size.ToString(CultureInfo.InvariantCulture)).Raw("\">");
        }

        html.Raw("<button type=\"submit\">Filter</button> ").Link(view.Href("sessions"), "Clear").Raw("</form>");
    }

    private static void TextField(HtmlWriter html, SessionListFilter filter, string name, string label) =>
        html.Raw("<label>").Text(label).Raw(" <input type=\"text\" name=\"").Text(name).Raw("\" value=\"").Value(filter.Given(name)).Raw("\"></label>");

    // A date input when the value is a plain date (or none), so a browser offers its picker; a text input for a date and
    // time given in the link, which a date input cannot hold and would drop on the next submit.
    private static void TimeField(HtmlWriter html, SessionListFilter filter, string name, string label)
    {
        var value = filter.Given(name);
        var type = value is null || SessionListFilter.IsDate(value) ? "date" : "text";
        html.Raw("<label>").Text(label).Raw(" (UTC) <input type=\"" + type + "\" name=\"").Text(name).Raw("\" value=\"").Value(value).Raw("\"></label>");
    }

    // The agent and parent ids as given, then, each one past SessionRecord.MaxIdLength, as the capped form an import stores
    // (an imported log's id as the log gave it), as 'dreaming sessions' tries them: the parent's capped form first, then
    // the agent's, then both, until one lists a session. Ids within the cap cost the one query.
    private static async Task<SessionPage> QueryAsync(ITraceStore store, SessionQuery query, CancellationToken cancellationToken) =>
        query.AgentId is { } agent
            ? (await IdentifierCap.FindAsync(agent, id => ByParentAsync(store, query with { AgentId = id }, cancellationToken), Found).ConfigureAwait(false)).Result
            : await ByParentAsync(store, query, cancellationToken).ConfigureAwait(false);

    private static async Task<SessionPage> ByParentAsync(ITraceStore store, SessionQuery query, CancellationToken cancellationToken) =>
        query.ParentSessionId is { } parent
            ? (await IdentifierCap.FindAsync(parent, id => store.QuerySessionsAsync(query with { ParentSessionId = id }, cancellationToken), Found).ConfigureAwait(false)).Result
            : await store.QuerySessionsAsync(query, cancellationToken).ConfigureAwait(false);

    private static bool Found(SessionPage page) => page.Items.Count > 0;
}

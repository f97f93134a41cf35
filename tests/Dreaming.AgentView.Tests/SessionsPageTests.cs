using System.Net;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using static Dreaming.AgentView.Tests.TestSessions;

namespace Dreaming.AgentView.Tests;

/// <summary>The sessions list: newest first, paged with the store's cursor, filtered by the form's fields.</summary>
public sealed class SessionsPageTests
{
    private static string[] Ids(IHtmlDocument page) => [.. page.QuerySelectorAll("table.sessions tbody tr td:first-child a")
        .Select(a => Uri.UnescapeDataString(a.GetAttribute("href")!.Split('/')[^1]))];

    [Fact]
    public async Task Sessions_are_listed_newest_first_a_page_at_a_time_with_a_next_page_link_carrying_the_filters()
    {
        await using var host = await AgentViewHost.StartAsync(options => options.PageSize = 2);
        await host.Traces.SeedAsync([.. Enumerable.Range(0, 5).Select(i => Session("s" + i, SessionStatus.Failed, i)), Session("ok", SessionStatus.Completed, 9)]);

        var first = await host.PageAsync("/dreaming/sessions?status=failed");
        Assert.Equal(["s4", "s3"], Ids(first));
        var next = first.QuerySelector("p.pager a.next")!.GetAttribute("href")!;
        Assert.StartsWith("/dreaming/sessions?status=failed&cursor=", next, StringComparison.Ordinal);

        var second = await host.PageAsync(next);
        Assert.Equal(["s2", "s1"], Ids(second));
        Assert.Equal("/dreaming/sessions?status=failed", second.QuerySelector("p.pager a:not(.next)")!.GetAttribute("href"));
        var third = await host.PageAsync(second.QuerySelector("p.pager a.next")!.GetAttribute("href")!);
        Assert.Equal(["s0"], Ids(third));
        Assert.Null(third.QuerySelector("p.pager a.next"));

        var all = await host.PageAsync("/dreaming/sessions");
        Assert.Equal(["ok", "s4"], Ids(all));
        Assert.Equal("All sessions", all.QuerySelector("nav a[href='/dreaming/sessions']")?.TextContent);
    }

    [Fact]
    public async Task The_overviews_link_to_a_states_sessions_lists_exactly_that_state()
    {
        await using var host = await AgentViewHost.StartAsync();
        await host.Traces.SeedAsync([.. Enumerable.Range(0, 11).Select(i => Session("f" + i, SessionStatus.Failed, i)), Session("b", SessionStatus.Blocked, 20)]);

        var overview = await host.PageAsync("/dreaming/");
        var link = overview.QuerySelector("section#failed p.pager a")!.GetAttribute("href")!;
        var page = await host.PageAsync(link);

        Assert.Equal([.. Enumerable.Range(0, 11).Reverse().Select(i => "f" + i)], Ids(page));
        Assert.Equal("failed", page.QuerySelector("select[name=status] option[selected]")?.GetAttribute("value"));
    }

    [Fact]
    public async Task Each_filter_narrows_the_list_and_is_kept_in_the_form()
    {
        await using var host = await AgentViewHost.StartAsync();
        await host.Traces.SeedAsync(
        [
            Session("a1", SessionStatus.Completed, 0, agent: "alpha"),
            Session("b1", SessionStatus.Completed, 60 * 24, agent: "beta"),
            Session("b2", SessionStatus.Failed, 60 * 48, agent: "beta"),
        ]);
        var child = Session("child", SessionStatus.Failed, 5);
        await host.Traces.SeedAsync([child with { Session = child.Session with { ParentSessionId = "b1", Scope = "billing" } }]);

        Assert.Equal(["b2", "b1"], Ids(await host.PageAsync("/dreaming/sessions?agent=beta")));
        Assert.Equal(["b1", "a1"], Ids(await host.PageAsync("/dreaming/sessions?outcome=success")));
        Assert.Equal(["child"], Ids(await host.PageAsync("/dreaming/sessions?parent=b1")));
        Assert.Equal(["child"], Ids(await host.PageAsync("/dreaming/sessions?scope=billing")));
        var dated = await host.PageAsync("/dreaming/sessions?from=2026-11-02&before=2026-11-03&agent=&status=");
        Assert.Equal(["b1"], Ids(dated));
        Assert.Equal("2026-11-02", dated.QuerySelector("input[name=from]")!.GetAttribute("value"));
        Assert.Equal("date", dated.QuerySelector("input[name=from]")!.GetAttribute("type"));
        Assert.Equal(["child", "a1"], Ids(await host.PageAsync("/dreaming/sessions?before=2026-11-01T09:06")));
        var timed = await host.PageAsync("/dreaming/sessions?from=2026-11-01T09:01:00%2B00:00");
        Assert.Equal(["b2", "b1", "child"], Ids(timed));
        Assert.Equal("text", timed.QuerySelector("input[name=from]")!.GetAttribute("type"));
        Assert.Equal("No sessions match.", (await host.PageAsync("/dreaming/sessions?agent=nobody")).QuerySelector("p.empty")?.TextContent);
    }

    [Theory]
    [InlineData("status=sleeping", "Unknown status 'sleeping'")]
    [InlineData("status=1", "Unknown status '1'")]
    [InlineData("size=0", "The page size '0'")]
    [InlineData("size=501", "The page size '501'")]
    [InlineData("size=ten", "The page size 'ten'")]
    [InlineData("from=yesterday", "The time 'yesterday' given as 'from'")]
    [InlineData("before=2026-13-01", "The time '2026-13-01' given as 'before'")]
    [InlineData("from=2026-11-02&before=2026-11-01", "'started from' (2026-11-02) must be earlier than 'started before' (2026-11-01)")]
    [InlineData("status=failed&status=completed", "The query gives 'status' 2 times")]
    [InlineData("cursor=not-a-cursor", "'not-a-cursor' is not a session cursor")]
    [InlineData("cursor=%3Cscript%3E", "'<script>' is not a session cursor")]
    public async Task A_bad_value_is_a_400_naming_it(string query, string message)
    {
        await using var host = await AgentViewHost.StartAsync();
        using var client = host.Client();
        using var response = await client.GetAsync(new Uri("/dreaming/sessions?" + query, UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var page = await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
        Assert.StartsWith(message, page.QuerySelector("p.error-message")!.TextContent, StringComparison.Ordinal);
        Assert.Empty(page.QuerySelectorAll("main script"));
    }

    [Fact]
    public async Task A_cursor_the_store_refuses_is_a_400_in_the_pages_words_not_the_exceptions()
    {
        // The store's ArgumentException message ends "(Parameter 'cursor')", which is not for an operator's eyes; a cursor
        // of another store (or one cut short when copied) is fixed by starting again.
        await using var host = await AgentViewHost.StartAsync();
        using var client = host.Client();
        using var response = await client.GetAsync(new Uri("/dreaming/sessions?status=failed&cursor=abc", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("'abc' is not a session cursor issued by this store. Open the list from its first page.", await TestWebhooks.ErrorAsync(response));
    }

    [Fact]
    public async Task A_refused_cursor_of_5000_characters_is_echoed_as_its_start_and_its_length()
    {
        await using var host = await AgentViewHost.StartAsync();
        using var client = host.Client();
        var cursor = new string('c', 5_000);
        using var response = await client.GetAsync(new Uri("/dreaming/sessions?cursor=" + cursor, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(body.Length < 2_000, $"{body.Length:N0} characters");
        Assert.Equal("'" + new string('c', 200) + "\u2026 (5,000 characters)' is not a session cursor issued by this store. Open the list from its first page.", await TestWebhooks.ErrorAsync(response));
    }

    [Fact]
    public async Task Every_bad_value_of_the_filters_is_named_at_once()
    {
        await using var host = await AgentViewHost.StartAsync();
        using var client = host.Client();
        using var response = await client.GetAsync(new Uri("/dreaming/sessions?status=sleeping&size=0&from=yesterday&before=2026-13-01&agent=a&agent=b", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(
            "The query gives 'agent' 2 times; give it once. Unknown status 'sleeping'; the statuses are running, completed, failed, abandoned, blocked. The page size '0' is not a whole number from 1 to 500. The time 'yesterday' given as 'from' is not a date (2026-11-01) or a date and time (2026-11-01T09:30, UTC unless it names an offset). The time '2026-13-01' given as 'before' is not a date (2026-11-01) or a date and time (2026-11-01T09:30, UTC unless it names an offset).",
            await TestWebhooks.ErrorAsync(response));
    }

    [Fact]
    public async Task A_size_in_the_link_sets_the_page_size_and_is_kept_in_the_next_link_and_the_form()
    {
        await using var host = await AgentViewHost.StartAsync();
        await host.Traces.SeedAsync([.. Enumerable.Range(0, 4).Select(i => Session("s" + i, SessionStatus.Failed, i))]);

        var page = await host.PageAsync("/dreaming/sessions?size=3");

        Assert.Equal(["s3", "s2", "s1"], Ids(page));
        Assert.StartsWith("/dreaming/sessions?size=3&cursor=", page.QuerySelector("p.pager a.next")!.GetAttribute("href"), StringComparison.Ordinal);
        Assert.Equal("3", page.QuerySelector("form.filters input[name=size]")!.GetAttribute("value"));
    }

    [Fact]
    public async Task Hostile_filter_values_are_shown_as_text_in_the_form_and_escaped_in_links()
    {
        await using var host = await AgentViewHost.StartAsync(options => options.PageSize = 1);
        const string agent = "\"><script>x</script>&a=b#c";
        await host.Traces.SeedAsync([Session("x1", SessionStatus.Failed, 1, agent: agent), Session("x2", SessionStatus.Failed, 2, agent: agent)]);

        var page = await host.PageAsync("/dreaming/sessions?agent=" + Uri.EscapeDataString(agent));

        Assert.Empty(page.QuerySelectorAll("script"));
        Assert.Equal(agent, page.QuerySelector("input[name=agent]")!.GetAttribute("value"));
        Assert.Equal(["x2"], Ids(page));
        var next = page.QuerySelector("p.pager a.next")!.GetAttribute("href")!;
        Assert.StartsWith("/dreaming/sessions?agent=" + Uri.EscapeDataString(agent) + "&cursor=", next, StringComparison.Ordinal);
        Assert.Equal(["x1"], Ids(await host.PageAsync(next)));
    }

    [Fact]
    public async Task A_score_just_below_a_threshold_is_cut_never_rounded_up_onto_it()
    {
        await using var host = await AgentViewHost.StartAsync();
        var session = Session("s", SessionStatus.Completed);
        await host.Traces.SeedAsync(session with { Session = session.Session with { Outcome = SessionOutcome.Failed(0.7496) } });

        var page = await host.PageAsync("/dreaming/sessions");

        Assert.Equal("failure 0.74", page.QuerySelector("table.sessions tbody td:nth-child(8)")?.TextContent);
    }

    [Fact]
    public async Task A_huge_task_costs_the_list_a_bounded_tooltip_not_the_whole_task_per_row()
    {
        await using var host = await AgentViewHost.StartAsync();
        var task = new string('t', 1_048_576);
        await host.Traces.SeedAsync([.. Enumerable.Range(0, 5).Select(i => Session("s" + i, SessionStatus.Failed, i, task: task))]);
        using var client = host.Client();

        var body = await client.GetStringAsync(new Uri("/dreaming/sessions", UriKind.Relative));
        var page = await new HtmlParser().ParseDocumentAsync(body);

        var titles = page.QuerySelectorAll("table.sessions tbody td:nth-child(3) span[title]").Select(span => span.GetAttribute("title")!).ToArray();
        Assert.Equal(5, titles.Length);
        Assert.All(titles, title => Assert.Equal(new string('t', 2_000) + "\u2026 (1,048,576 characters)", title));
        Assert.True(body.Length < 100_000, $"the page is {body.Length:N0} characters");
    }

    [Theory]
    [InlineData("agent")]
    [InlineData("outcome")]
    [InlineData("parent")]
    [InlineData("scope")]
    [InlineData("from")]
    public async Task Hostile_text_in_any_filter_field_is_kept_as_the_fields_value_and_never_markup(string field)
    {
        await using var host = await AgentViewHost.StartAsync();
        var value = TestEvents.Hostile.Replace('\ud800', '\ufffd');
        using var client = host.Client();
        using var response = await client.GetAsync(new Uri($"/dreaming/sessions?{field}={Uri.EscapeDataString(value)}", UriKind.Relative));
        var page = await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());

        Assert.Equal(field == "from" ? HttpStatusCode.BadRequest : HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(page.QuerySelectorAll("script"));
        Assert.Empty(page.QuerySelectorAll("main img"));
        if (field == "from")
        {
            Assert.Equal($"The time '{value.Replace('\0', '\ufffd')}' given as 'from' is not a date (2026-11-01) or a date and time (2026-11-01T09:30, UTC unless it names an offset).", page.QuerySelector("p.error-message")?.TextContent);
        }
        else
        {
            Assert.Equal(value.Replace('\0', '\ufffd'), page.QuerySelector($"input[name={field}]")?.GetAttribute("value"));
        }
    }

    [Theory]
    [InlineData("2026-11-01T09:01Z")]
    [InlineData("2026-11-01T11:01%2B02:00")]
    [InlineData("2026-11-01T04:01-05:00")]
    [InlineData("2026-11-01T09:01:00Z")]
    public async Task A_time_to_the_minute_may_name_its_offset_as_the_docs_say(string from)
    {
        await using var host = await AgentViewHost.StartAsync();
        await host.Traces.SeedAsync([Session("early", SessionStatus.Completed, 0), Session("late", SessionStatus.Completed, 5)]);

        Assert.Equal(["late"], Ids(await host.PageAsync("/dreaming/sessions?from=" + from)));
    }
}

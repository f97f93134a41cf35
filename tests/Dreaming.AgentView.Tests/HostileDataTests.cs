using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Dreaming.AgentView.Rendering;

namespace Dreaming.AgentView.Tests;

/// <summary>Every string field a page shows filled with one hostile value (markup, an attribute break-out, a
/// <c>javascript:</c> URL, 100,000 characters, a NUL and half a surrogate pair, bidirectional overrides, line breaks), then
/// every page of the view read: each answers its documented status with well-formed, bounded HTML that runs nothing.</summary>
public sealed class HostileDataTests
{
    /// <summary>The most characters a page of this data may be: a 100,000-character value in every field must cost a page
    /// its bounded cuts, never the value once per field or row.</summary>
    private const int MaxPageLength = 500_000;

    /// <summary>The session page shows its long texts in full (folded), its task included, up to
    /// <c>LongTextWriter.PageBudget</c> characters of HTML, and its tooltips up to <c>HtmlWriter.PageTitleBudget</c>: its
    /// dozen long texts of 100,000 hostile characters are worth more than the other pages (2.4 MB of HTML; 2.7 MB when the
    /// task was shown outside the budget).</summary>
    private const int MaxSessionPageLength = 2_500_000;

    private static readonly HashSet<string> s_elements = new(StringComparer.OrdinalIgnoreCase)
    {
        "html", "head", "meta", "title", "link", "body", "header", "h1", "h2", "h3", "h4", "nav", "main", "section", "p", "a", "span", "div",
        "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "dl", "dt", "dd", "ul", "ol", "li", "pre", "code", "details", "summary",
        "time", "form", "label", "input", "select", "option", "button", "strong",
        "svg", "g", "line", "text", "path", "circle",
    };

    private static readonly HashSet<string> s_attributes = new(StringComparer.OrdinalIgnoreCase)
    {
        "lang", "charset", "name", "content", "rel", "href", "class", "id", "title", "datetime", "method", "action", "type", "value",
        "placeholder", "maxlength", "selected", "data-field", "data-series",
        "viewbox", "width", "height", "role", "aria-labelledby", "font-size", "x", "y", "x1", "y1", "x2", "y2", "dy", "text-anchor",
        "transform", "d", "fill", "stroke-width", "cx", "cy", "r",
    };

    public static TheoryData<string> Values => [.. HostileValues.Names];

    [Theory]
    [MemberData(nameof(Values))]
    public async Task Every_page_shows_hostile_values_as_bounded_well_formed_text(string kind)
    {
        var value = HostileValues.Of(kind);
        await using var host = await AgentViewHost.StartAsync(services: HostileValues.AddEndpoint);
        var seeded = await HostileValues.SeedAsync(host, value);

        var escapedAgent = Uri.EscapeDataString(seeded.AgentId);
        var scopeKey = Uri.EscapeDataString(seeded.Scope.Key);
        // A server takes 8 KB of request line (Kestrel's default): the filters are the value's first 1,000 characters.
        var filters = string.Join('&', new[] { "agent", "outcome", "parent", "scope" }.Select(name => name + "=" + Uri.EscapeDataString(value.Length > 1000 ? value[..1000] : value)));
        (string Path, HttpStatusCode Status)[] pages =
        [
            ("/dreaming/", HttpStatusCode.OK),
            ("/dreaming/sessions", HttpStatusCode.OK),
            ("/dreaming/sessions?" + filters, HttpStatusCode.OK),
            ("/dreaming/sessions?status=" + Uri.EscapeDataString(value), HttpStatusCode.BadRequest),
            ("/dreaming/sessions?cursor=" + Uri.EscapeDataString(value), HttpStatusCode.BadRequest),
            ("/dreaming/sessions?from=" + Uri.EscapeDataString(value), HttpStatusCode.BadRequest),
            ("/dreaming/sessions/" + Uri.EscapeDataString(seeded.SessionId), HttpStatusCode.OK),
            ("/dreaming/sessions/" + Uri.EscapeDataString(seeded.ChildId), HttpStatusCode.OK),
            ("/dreaming/sessions/" + Uri.EscapeDataString(seeded.SessionId) + "?after=" + Uri.EscapeDataString(value), HttpStatusCode.BadRequest),
            ("/dreaming/sessions/" + Uri.EscapeDataString("missing " + HostileValues.Requestable(value)), HttpStatusCode.NotFound),
            ("/dreaming/memory", HttpStatusCode.OK),
            ("/dreaming/memory?scope=" + Uri.EscapeDataString(value), HttpStatusCode.BadRequest),
            ("/dreaming/memory/" + scopeKey, HttpStatusCode.OK),
            ("/dreaming/memory/" + scopeKey + "?before=" + Uri.EscapeDataString(value), HttpStatusCode.BadRequest),
            ("/dreaming/memory/" + Uri.EscapeDataString(HostileValues.Requestable(value)), HttpStatusCode.BadRequest),
            ("/dreaming/memory/versions/" + Uri.EscapeDataString(seeded.VersionId), HttpStatusCode.OK),
            ("/dreaming/memory/versions/" + Uri.EscapeDataString(HostileValues.Requestable(value)), HttpStatusCode.NotFound),
            ("/dreaming/runs", HttpStatusCode.OK),
            ("/dreaming/runs?scope=" + scopeKey, HttpStatusCode.OK),
            ("/dreaming/runs?scope=" + Uri.EscapeDataString(value), HttpStatusCode.BadRequest),
            ("/dreaming/runs/" + Uri.EscapeDataString(seeded.RunId), HttpStatusCode.OK),
            ("/dreaming/runs/" + Uri.EscapeDataString(seeded.FailedRunId), HttpStatusCode.OK),
            ("/dreaming/runs/" + Uri.EscapeDataString(seeded.RunningRunId), HttpStatusCode.OK),
            ("/dreaming/runs/" + Uri.EscapeDataString(HostileValues.Requestable(value)), HttpStatusCode.NotFound),
            ("/dreaming/agents?days=3650", HttpStatusCode.BadRequest),
            ("/dreaming/agents?days=" + Uri.EscapeDataString(value), HttpStatusCode.BadRequest),
            ("/dreaming/agents", HttpStatusCode.OK),
            ("/dreaming/agents/" + escapedAgent, HttpStatusCode.OK),
            ("/dreaming/agents/" + Uri.EscapeDataString("missing " + seeded.AgentId), HttpStatusCode.NotFound),
            ("/dreaming/webhooks", HttpStatusCode.OK),
            ("/dreaming/webhooks?replayed=" + Uri.EscapeDataString(value), HttpStatusCode.BadRequest),
            ("/dreaming/webhooks/deliveries/" + Uri.EscapeDataString(seeded.DeliveryId), HttpStatusCode.OK),
            ("/dreaming/webhooks/deliveries/" + Uri.EscapeDataString(HostileValues.Requestable(value)), HttpStatusCode.NotFound),
        ];

        using var client = host.Client();
        var problems = new List<string>();
        foreach (var (path, status) in pages)
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            var body = await response.Content.ReadAsStringAsync();
            var name = path.Length > 100 ? path[..100] + "…" : path;
            if (response.StatusCode != status)
            {
                problems.Add($"{name}: {(int)response.StatusCode}, not {(int)status}: {(body.Length > 400 ? body[..400] : body)}");
                continue;
            }

            problems.AddRange(Check(body, path.StartsWith("/dreaming/sessions/", StringComparison.Ordinal) && status == HttpStatusCode.OK ? MaxSessionPageLength : MaxPageLength).Select(p => name + ": " + p));
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public async Task A_window_of_events_each_with_a_huge_value_is_a_bounded_page()
    {
        // 2,000 model responses each naming a model of 20,000 characters: every value was written whole (40 MB of HTML).
        await using var host = await AgentViewHost.StartAsync();
        var model = new string('m', 20_000);
        var events = Enumerable.Range(0, 2_000).Select(_ => (SessionEvent)new ModelResponseEvent { ModelId = model }).ToArray();
        await host.Traces.SeedAsync(TestEvents.Full("s", "task", events));
        using var client = host.Client();
        var body = await client.GetStringAsync(new Uri("/dreaming/sessions/s", UriKind.Relative));

        Assert.True(body.Length < 2_000_000, $"{body.Length:N0} characters");
        var page = await AgentViewHost.ParseAsync(body);
        var first = page.QuerySelector("tr#event-1 span[data-field=model] span[title]")!;
        Assert.Equal(new string('m', HtmlWriter.ValueLength) + "\u2026", first.TextContent);
        Assert.Equal(new string('m', 2_000) + "\u2026 (20,000 characters)", first.GetAttribute("title"));
        Assert.Equal("(20,000 characters)", page.QuerySelector("tr#event-2000 span[data-field=model] span[title]")!.GetAttribute("title"));
    }

    [Fact]
    public async Task The_tooltips_of_a_page_hold_their_budget_in_html_whatever_characters_the_values_hold()
    {
        // 2,000 model ids of 20,000 CJK characters: each is eight characters of HTML (&#x6F22;), so a budget counted in
        // recorded characters let the tooltips take 1.7 MB of the page.
        await using var host = await AgentViewHost.StartAsync();
        var model = new string('\u6F22', 20_000);
        var events = Enumerable.Range(0, 2_000).Select(_ => (SessionEvent)new ModelResponseEvent { ModelId = model }).ToArray();
        await host.Traces.SeedAsync(TestEvents.Full("s", "task", events));
        using var client = host.Client();
        var body = await client.GetStringAsync(new Uri("/dreaming/sessions/s", UriKind.Relative));

        // Each tooltip past the budget still names the length ("(20,000 characters)"): 2,000 of at most 40 characters.
        var page = await AgentViewHost.ParseAsync(body);
        var tooltips = page.QuerySelectorAll("span[data-field=model] span[title]").Sum(span => System.Text.Encodings.Web.HtmlEncoder.Default.Encode(span.GetAttribute("title")!).Length);
        Assert.True(tooltips <= HtmlWriter.PageTitleBudget + (2_000 * 40), $"{tooltips:N0} characters of tooltips");
        Assert.Equal(new string('\u6F22', 2_000) + "\u2026 (20,000 characters)", page.QuerySelector("tr#event-1 span[data-field=model] span[title]")!.GetAttribute("title"));
        Assert.Equal("(20,000 characters)", page.QuerySelector("tr#event-2000 span[data-field=model] span[title]")!.GetAttribute("title"));
    }

    [Fact]
    public async Task A_form_field_holds_control_characters_as_given_so_that_it_posts_back_what_it_was_given()
    {
        // A C0 control (ESC of a terminal colour, U+0001, DEL) and C1 ones (U+0085 is one the parser would read as
        // Windows-1252's ellipsis from a character reference, U+0081 one it would keep): the field's value is the value.
        await using var host = await AgentViewHost.StartAsync();
        const string Parent = "p\u0001\u001b[31m\u007f\u0085\u0081\u202Eq";
        const string Scope = "agent:bot\u001b[0m\u0085x";

        var list = await host.PageAsync("/dreaming/sessions?parent=" + Uri.EscapeDataString(Parent));
        var runs = await host.PageAsync("/dreaming/runs?scope=" + Uri.EscapeDataString(Scope));

        Assert.Equal(Parent, list.QuerySelector("input[name=parent]")!.GetAttribute("value"));
        Assert.Equal(Scope, runs.QuerySelector("input[name=scope]")!.GetAttribute("value"));
        Assert.Equal("Dream runs of agent:bot\uFFFD[0m\uFFFDx", runs.QuerySelector("main h2")!.TextContent);
    }

    [Fact]
    public async Task The_review_and_endpoint_forms_of_hostile_ids_cut_on_the_page_post_the_whole_id()
    {
        // Ids of 300 characters holding markup, '/', '?', '#' and a bidirectional override: shown cut and with [U+202E],
        // their forms' addresses still name them whole.
        var hostile = "a/b ?#<x>\u202E" + new string('z', 300);
        await using var host = await AgentViewHost.StartAsync(services: TestWebhooks.AddEndpoints);
        var scope = MemoryScope.Agent(hostile);
        var v1 = await host.Memory.ProposeAsync(new MemoryProposal { Scope = scope, Author = MemoryAuthor.Person("p"), Insights = [TestMemory.Insight("i1", "one", scope)] });
        await host.Memory.ApproveAsync(v1.Id, MemoryAuthor.Person("p"));
        var v2 = await host.Memory.ProposeAsync(new MemoryProposal { Scope = scope, ParentVersionId = v1.Id, Author = MemoryAuthor.Person("p"), Insights = [TestMemory.Insight("i2", "two", scope)] });

        using (var approved = await host.PostReviewAsync(v2.Id, "approve"))
        {
            Assert.Equal(HttpStatusCode.SeeOther, approved.StatusCode);
        }

        using (var rolled = await host.PostReviewAsync(v1.Id, "rollback", "back"))
        {
            Assert.Equal(HttpStatusCode.SeeOther, rolled.StatusCode);
        }

        Assert.Equal(v1.Id, (await host.Memory.GetActiveVersionAsync(scope))!.RestoredFromVersionId);
        var scopeLink = (await host.PageAsync("/dreaming/memory/versions/" + v1.Id)).QuerySelector("dd a[href^='/dreaming/memory/agent']")!;
        Assert.Equal("/dreaming/memory/" + Uri.EscapeDataString(scope.Key), scopeLink.GetAttribute("href"));

        await host.Outbox().SeedAsync("dead", endpointId: hostile);
        await host.Outbox().SetEndpointDisabledAsync(hostile, "paused", TestWebhooks.At);
        using (var enabled = await host.PostFormAsync("/dreaming/webhooks", "webhook-enable", "/" + Uri.EscapeDataString(hostile) + "/enable"))
        {
            Assert.Equal(HttpStatusCode.SeeOther, enabled.StatusCode);
        }

        Assert.False((await host.Outbox().GetEndpointAsync(hostile)).IsDisabled);
    }

    [Fact]
    public async Task A_capped_tool_name_shows_its_hash_marked_as_such_and_a_longer_one_is_cut()
    {
        await using var host = await AgentViewHost.StartAsync();
        var capped = new string('t', 95) + "~" + "0123456789abcdef0123456789abcdef";
        await host.Traces.SeedAsync(TestEvents.Full(
            "s",
            "task",
            new ToolCallEvent { CallId = "c1", ToolName = capped },
            new ToolResultEvent { CallId = "c1", ToolName = new string('u', 300), Result = "ok" }));

        var page = await host.PageAsync("/dreaming/sessions/s");

        var tool = page.QuerySelector("tr#event-1 span[data-field=tool]")!;
        Assert.Equal("tool " + capped, tool.TextContent);
        var hash = tool.QuerySelector("span.capped")!;
        Assert.Equal("~0123456789abcdef0123456789abcdef", hash.TextContent);
        Assert.StartsWith("Capped: the tool name was longer than 128 characters", hash.GetAttribute("title"), StringComparison.Ordinal);
        Assert.Null(page.QuerySelector("tr#event-1 span[data-field=call-id] span.capped"));
        var cut = page.QuerySelector("tr#event-2 span[data-field=tool] span[title]")!;
        Assert.Equal(new string('u', HtmlWriter.ValueLength) + "\u2026", cut.TextContent);
        Assert.Equal(new string('u', 300), cut.GetAttribute("title"));
    }

    [Fact]
    public async Task Bidirectional_controls_show_as_code_points_and_control_characters_as_the_browser_shows_them()
    {
        await using var host = await AgentViewHost.StartAsync();
        var full = TestEvents.Full("s", "line 1\r\nline 2\rline 3 \u0001 \u0085 end", new NoteEvent { Text = "a\u202Eb" });
        await host.Traces.SeedAsync(full with { Session = full.Session with { AgentId = "invoice\u202Efdp.exe", Scope = "t\u2066x\u2069" } });
        using var client = host.Client();
        var body = await client.GetStringAsync(new Uri("/dreaming/sessions/s", UriKind.Relative));

        Assert.Empty(Check(body, MaxPageLength));
        var page = await AgentViewHost.ParseAsync(body);
        Assert.Equal("invoice[U+202E]fdp.exe", page.QuerySelector("dd#fact-agent")!.TextContent);
        Assert.Equal("t[U+2066]x[U+2069]", page.QuerySelector("dd#fact-scope")!.TextContent);
        Assert.Equal("line 1\nline 2\nline 3 \ufffd \ufffd end", page.QuerySelector("pre.task")!.TextContent);
        var list = await client.GetStringAsync(new Uri("/dreaming/sessions?agent=" + Uri.EscapeDataString("invoice\u202Efdp.exe"), UriKind.Relative));
        Assert.Empty(Check(list, MaxPageLength));
        Assert.Equal("invoice\u202Efdp.exe", (await AgentViewHost.ParseAsync(list)).QuerySelector("input[name=agent]")!.GetAttribute("value"));
    }

    [Fact]
    public async Task A_session_id_too_long_for_a_request_line_is_shown_without_a_link()
    {
        await using var host = await AgentViewHost.StartAsync();
        var id = new string('i', 9_000);
        await host.Traces.SeedAsync(TestSessions.Session(id, SessionStatus.Failed), TestSessions.Session("short", SessionStatus.Failed, minute: -1));

        var page = await host.PageAsync("/dreaming/sessions");

        var rows = page.QuerySelectorAll("table.sessions tbody tr");
        Assert.Empty(rows[0].QuerySelectorAll("a"));
        Assert.StartsWith("Not linked: its address would be 9,019 characters long", rows[0].QuerySelector("span.unlinked")!.GetAttribute("title"), StringComparison.Ordinal);
        Assert.Equal(2, rows[1].QuerySelectorAll("a").Length);
    }

    /// <summary>What is wrong with a page: too long, markup the view never writes (an element or attribute a value broke out
    /// into), a link or form that leaves the view, ids used twice, a label for no element, a bidirectional control in the
    /// text, or HTML the parser had to mend.</summary>
    // A session page's link to one of its recorded values, on the same page: ?event=N or ?record=json.
    private static bool IsRecordedValueLink(string target) =>
        target == "?record=json" || (target.StartsWith("?event=", StringComparison.Ordinal) && target.Length > 7 && target[7..].All(char.IsAsciiDigit));

    private static List<string> Check(string body, int maxLength)
    {
        var problems = new List<string>();
        if (body.Length > maxLength)
        {
            problems.Add($"{body.Length:N0} characters, more than {maxLength:N0}");
        }

        var parser = new HtmlParser(new HtmlParserOptions { IsStrictMode = false });
        var errors = new List<string>();
        parser.Error += (_, e) => errors.Add(e is AngleSharp.Html.Dom.Events.HtmlErrorEvent error ? $"{error.Message} at {error.Position}" : "a parse error");
        var page = parser.ParseDocument(body);
        problems.AddRange(errors.Distinct().Take(5).Select(e => "not well-formed: " + e));
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var element in page.All)
        {
            if (!s_elements.Contains(element.LocalName))
            {
                problems.Add($"a <{element.LocalName}> element");
            }

            foreach (var attribute in element.Attributes)
            {
                if (!s_attributes.Contains(attribute.Name))
                {
                    problems.Add($"a '{Short(attribute.Name)}' attribute on <{element.LocalName}>");
                }

                if (attribute.Name is not "value" && HostileValues.HasBidiControl(attribute.Value))
                {
                    problems.Add($"a bidirectional control in the {attribute.Name} of <{element.LocalName}>");
                }
            }

            if (element.GetAttribute(element.LocalName == "form" ? "action" : "href") is { } target
                && !(target.StartsWith("/dreaming/", StringComparison.Ordinal) || target.StartsWith('#') || IsRecordedValueLink(target)))
            {
                problems.Add($"<{element.LocalName}> leads to '{Short(target)}'");
            }

            if (element.Id is { Length: > 0 } id && !ids.Add(id))
            {
                problems.Add($"the id '{Short(id)}' twice");
            }
        }

        foreach (var label in page.QuerySelectorAll("label[for]"))
        {
            if (page.GetElementById(label.GetAttribute("for")!) is null)
            {
                problems.Add($"a label for '{Short(label.GetAttribute("for")!)}', which no element is");
            }
        }

        foreach (var text in page.Descendants<IText>())
        {
            if (HostileValues.HasBidiControl(text.Data))
            {
                problems.Add($"a bidirectional control in the text of <{text.ParentElement?.LocalName}>");
                break;
            }
        }

        return problems;
    }

    private static string Short(string text) => text.Length > 80 ? text[..80] + "…" : text;
}

using System.Net;
using AngleSharp.Html.Dom;

namespace Dreaming.AgentView.Tests;

/// <summary>Memory versions and dream runs to show, stored through the stores' own API, and the review forms posted the
/// way a browser posts them (the antiforgery cookie of the GET sent back with the form's token).</summary>
internal static class TestMemory
{
    public static readonly MemoryScope Scope = MemoryScope.Agent("support");

    public static Insight Insight(string id, string text, MemoryScope? scope = null, params InsightEvidence[] evidence) => new()
    {
        Id = id,
        Text = text,
        Scope = scope ?? Scope,
        Kind = InsightKind.Pitfall,
        Status = InsightStatus.Active,
        Source = InsightSource.Mined,
        Triggers = new InsightTriggers { Tools = ["refund"], Keywords = ["order"] },
        Evidence = evidence,
        Helpful = 3,
        Harmful = 1,
        Seen = 5,
        CreatedAt = TestSessions.Start,
        UpdatedAt = TestSessions.Start,
    };

    public static Task<MemoryVersion> ProposeAsync(this IMemoryStore store, string? parent, MemoryAuthor author, string? note, params Insight[] insights) =>
        store.ProposeAsync(new MemoryProposal { Scope = insights.Length > 0 ? insights[0].Scope : Scope, ParentVersionId = parent, Author = author, Insights = insights, Note = note });

    /// <summary>v1 (active, by a dream run, two insights), and v2 proposed from it by a person: one insight changed, one
    /// removed, one added.</summary>
    public static async Task<(MemoryVersion V1, MemoryVersion V2)> SeedTwoVersionsAsync(this IMemoryStore store)
    {
        var v1 = await store.ProposeAsync(null, MemoryAuthor.DreamRun("dr-1"), "first dream",
            Insight("ins-a", "Check the order status before refunding.", null, new InsightEvidence("s1", 4), new InsightEvidence("s/2 ?#")),
            Insight("ins-b", "Ask for the order number."));
        await store.ApproveAsync(v1.Id, MemoryAuthor.Person("bob"));
        var v2 = await store.ProposeAsync(v1.Id, MemoryAuthor.Person("carol"), "clearer wording",
            Insight("ins-a", "Always check the order status before refunding."),
            Insight("ins-c", "Refunds over 100 need a manager."));
        return ((await store.GetVersionAsync(v1.Id))!, v2);
    }

    /// <summary>GETs the version page and POSTs its <paramref name="action"/> form with the token and cookie of that GET.</summary>
    public static async Task<HttpResponseMessage> PostReviewAsync(this AgentViewHost host, string versionId, string action, string? note = null, string user = "alice", bool withToken = true) =>
        await (await host.ReviewFormAsync(versionId, action, note, user, withToken))();

    /// <summary>GETs the version page and returns what POSTs its <paramref name="action"/> form, as a browser would when
    /// the reviewer presses the button, later.</summary>
    public static async Task<Func<Task<HttpResponseMessage>>> ReviewFormAsync(this AgentViewHost host, string versionId, string action, string? note = null, string user = "alice", bool withToken = true, string? postTo = null)
    {
        var client = host.Client(user);
        using var page = await client.GetAsync(new Uri("/dreaming/memory/versions/" + Uri.EscapeDataString(versionId), UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var document = await AgentViewHost.ParseAsync(await page.Content.ReadAsStringAsync());
        var form = (IHtmlFormElement?)document.QuerySelector($"form.review-{action}");
        Assert.NotNull(form);
        var fields = new List<KeyValuePair<string, string>>();
        if (withToken)
        {
            var token = form.QuerySelector("input[type=hidden]")!;
            fields.Add(new(token.GetAttribute("name")!, token.GetAttribute("value")!));
        }

        if (note is not null)
        {
            fields.Add(new("note", note));
        }

        var cookie = page.Headers.TryGetValues("Set-Cookie", out var cookies) ? string.Join("; ", cookies.Select(c => c.Split(';')[0])) : null;
        var action_ = new Uri(postTo ?? form.GetAttribute("action")!, UriKind.Relative);
        return async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, action_) { Content = new FormUrlEncodedContent(fields) };
            if (cookie is not null)
            {
                request.Headers.Add("Cookie", cookie);
            }

            return await client.SendAsync(request);
        };
    }
}

using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Tests;

/// <summary>Approve, reject and roll back from the version page: antiforgery, the reviewer's name, the store's refusals,
/// read-only, and the webhooks the store publishes.</summary>
public sealed class MemoryReviewTests
{
    [Fact]
    public async Task Approving_with_the_forms_token_records_the_signed_in_user_and_redirects_to_the_version()
    {
        await using var host = await AgentViewHost.StartAsync();
        var (v1, v2) = await host.Memory.SeedTwoVersionsAsync();

        using var response = await host.PostReviewAsync(v2.Id, "approve");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/dreaming/memory/versions/" + v2.Id, response.Headers.Location?.OriginalString);
        var approved = (await host.Memory.GetVersionAsync(v2.Id))!;
        Assert.Equal(MemoryVersionState.Active, approved.State);
        Assert.Equal(MemoryAuthor.Person("alice"), approved.ReviewedBy);
        Assert.Equal(MemoryVersionState.Superseded, (await host.Memory.GetVersionAsync(v1.Id))!.State);

        var page = await host.PageAsync("/dreaming/memory/versions/" + v2.Id);
        Assert.Null(page.QuerySelector("form.review-approve"));
        Assert.Null(page.QuerySelector("form.review-rollback"));
        Assert.EndsWith(" approved by person alice", page.QuerySelectorAll("ol.history li")[1].TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rejecting_keeps_the_reason_and_rolling_back_keeps_the_note_and_shows_the_new_active_version()
    {
        await using var host = await AgentViewHost.StartAsync();
        var (v1, v2) = await host.Memory.SeedTwoVersionsAsync();

        using (var rejected = await host.PostReviewAsync(v2.Id, "reject", "too vague <b>really</b>"))
        {
            Assert.Equal(HttpStatusCode.SeeOther, rejected.StatusCode);
        }

        var version = (await host.Memory.GetVersionAsync(v2.Id))!;
        Assert.Equal(MemoryVersionState.Rejected, version.State);
        Assert.Equal("too vague <b>really</b>", version.ReviewNote);
        var page = await host.PageAsync("/dreaming/memory/versions/" + v2.Id);
        Assert.Equal("too vague <b>really</b>", page.QuerySelector("ol.history pre.review-note")!.TextContent);
        Assert.Null(page.QuerySelector("form.review-approve"));

        using var rolled = await host.PostReviewAsync(v2.Id, "rollback", "bring the wording back", user: "bob");
        Assert.Equal(HttpStatusCode.SeeOther, rolled.StatusCode);
        var active = (await host.Memory.GetActiveVersionAsync(TestMemory.Scope))!;
        Assert.Equal(v2.Id, active.RestoredFromVersionId);
        Assert.Equal(MemoryAuthor.Person("bob"), active.Author);
        Assert.Equal("bring the wording back", active.Note);
        Assert.Equal("/dreaming/memory/versions/" + active.Id, rolled.Headers.Location?.OriginalString);
        Assert.Equal(v1.Id, active.ParentVersionId);
    }

    [Fact]
    public async Task A_post_without_the_token_or_its_cookie_or_as_a_form_is_refused_and_changes_nothing()
    {
        await using var host = await AgentViewHost.StartAsync();
        var (_, v2) = await host.Memory.SeedTwoVersionsAsync();

        using var tooLong = await host.PostReviewAsync(v2.Id, "reject", new string('n', 4001));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal("The note of the reject is 4001 characters long; at most 4000 are kept.", (await AgentViewHost.ParseAsync(await tooLong.Content.ReadAsStringAsync())).QuerySelector("p.error-message")?.TextContent);

        using var missing = await host.PostReviewAsync(v2.Id, "approve", withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("antiforgery token is missing or not valid", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var bare = host.Client();
        using var notAForm = await bare.PostAsync(new Uri($"/dreaming/memory/versions/{v2.Id}/approve", UriKind.Relative), new StringContent("{}"));
        Assert.Equal(HttpStatusCode.BadRequest, notAForm.StatusCode);
        using var noCookie = await bare.PostAsync(new Uri($"/dreaming/memory/versions/{v2.Id}/approve", UriKind.Relative), new FormUrlEncodedContent([new("__RequestVerificationToken", "forged")]));
        Assert.Equal(HttpStatusCode.BadRequest, noCookie.StatusCode);
        Assert.Equal(MemoryVersionState.Proposed, (await host.Memory.GetVersionAsync(v2.Id))!.State);
    }

    [Fact]
    public async Task A_token_issued_to_another_user_is_refused_and_a_multipart_form_with_ones_own_token_works()
    {
        await using var host = await AgentViewHost.StartAsync();
        var (_, v2) = await host.Memory.SeedTwoVersionsAsync();
        using var alice = host.Client("alice");
        using var get = await alice.GetAsync(new Uri("/dreaming/memory/versions/" + v2.Id, UriKind.Relative));
        var token = (await AgentViewHost.ParseAsync(await get.Content.ReadAsStringAsync())).QuerySelector("form.review-approve input[type=hidden]")!;
        var (name, value) = (token.GetAttribute("name")!, token.GetAttribute("value")!);
        var cookie = string.Join("; ", get.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));

        // Bob replays alice's form, cookie and all: the token is bound to the user it was issued to.
        using var bob = host.Client("bob");
        using var replay = new HttpRequestMessage(HttpMethod.Post, new Uri($"/dreaming/memory/versions/{v2.Id}/approve", UriKind.Relative)) { Content = new FormUrlEncodedContent([new(name, value)]) };
        replay.Headers.Add("Cookie", cookie);
        using var refused = await bob.SendAsync(replay);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(MemoryVersionState.Proposed, (await host.Memory.GetVersionAsync(v2.Id))!.State);

        using var multipart = new HttpRequestMessage(HttpMethod.Post, new Uri($"/dreaming/memory/versions/{v2.Id}/reject", UriKind.Relative))
        {
            Content = new MultipartFormDataContent { { new StringContent(value), name }, { new StringContent("as multipart"), "note" } },
        };
        multipart.Headers.Add("Cookie", cookie);
        using var rejected = await alice.SendAsync(multipart);
        Assert.Equal(HttpStatusCode.SeeOther, rejected.StatusCode);
        var version = (await host.Memory.GetVersionAsync(v2.Id))!;
        Assert.Equal((MemoryVersionState.Rejected, MemoryAuthor.Person("alice"), "as multipart"), (version.State, version.ReviewedBy, version.ReviewNote));
    }

    [Fact]
    public async Task The_views_policy_guards_the_review_posts_too()
    {
        await using var host = await AgentViewHost.StartAsync(options => options.AuthorizationPolicy = "admins");
        var (_, v2) = await host.Memory.SeedTwoVersionsAsync();
        var path = new Uri($"/dreaming/memory/versions/{v2.Id}/approve", UriKind.Relative);

        using var notAdmin = host.Client("alice");
        using var forbidden = await notAdmin.PostAsync(path, new FormUrlEncodedContent([]));
        using var anonymous = host.Client(user: null);
        using var challenged = await anonymous.PostAsync(path, new FormUrlEncodedContent([]));
        using var wrongMethod = await host.Client("alice", "admin").GetAsync(path);

        Assert.Equal([HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized, HttpStatusCode.MethodNotAllowed], [forbidden.StatusCode, challenged.StatusCode, wrongMethod.StatusCode]);
        Assert.Equal(MemoryVersionState.Proposed, (await host.Memory.GetVersionAsync(v2.Id))!.State);
    }

    [Fact]
    public async Task A_version_approved_by_someone_else_meanwhile_is_a_409_saying_so_and_an_unknown_one_a_404()
    {
        await using var host = await AgentViewHost.StartAsync();
        var (_, v2) = await host.Memory.SeedTwoVersionsAsync();
        var press = await host.ReviewFormAsync(v2.Id, "approve");

        await host.Memory.ApproveAsync(v2.Id, MemoryAuthor.Person("mallory"));
        using var late = await press();

        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        var body = await AgentViewHost.ParseAsync(await late.Content.ReadAsStringAsync());
        Assert.Contains("is already active; there is nothing to approve.", body.QuerySelector("p.error-message")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(MemoryAuthor.Person("mallory"), (await host.Memory.GetVersionAsync(v2.Id))!.ReviewedBy);
    }

    [Fact]
    public async Task Reviewing_an_unknown_version_is_a_404_naming_it()
    {
        await using var host = await AgentViewHost.StartAsync();
        var (_, v2) = await host.Memory.SeedTwoVersionsAsync();
        var press = await host.ReviewFormAsync(v2.Id, "approve", postTo: "/dreaming/memory/versions/mv-gone%3F/approve");

        using var response = await press();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var page = await AgentViewHost.ParseAsync(await response.Content.ReadAsStringAsync());
        Assert.Equal("No memory version 'mv-gone?'.", page.QuerySelector("p.error-message")?.TextContent);
    }

    [Fact]
    public async Task Of_two_proposals_approved_at_once_from_the_same_active_version_one_wins_and_the_other_is_a_409()
    {
        await using var host = await AgentViewHost.StartAsync();
        var (v1, v2) = await host.Memory.SeedTwoVersionsAsync();
        var v3 = await host.Memory.ProposeAsync(v1.Id, MemoryAuthor.Person("dave"), "other", TestMemory.Insight("ins-a", "y"));
        var first = await host.ReviewFormAsync(v2.Id, "approve");
        var second = await host.ReviewFormAsync(v3.Id, "approve", user: "bob");

        var responses = await Task.WhenAll(first(), second());

        Assert.Equal([HttpStatusCode.SeeOther, HttpStatusCode.Conflict], responses.Select(r => r.StatusCode).Order());
        var states = new[] { (await host.Memory.GetVersionAsync(v2.Id))!.State, (await host.Memory.GetVersionAsync(v3.Id))!.State };
        Assert.Equal([MemoryVersionState.Proposed, MemoryVersionState.Active], states.Order());
        var refusal = await AgentViewHost.ParseAsync(await responses.Single(r => r.StatusCode == HttpStatusCode.Conflict).Content.ReadAsStringAsync());
        Assert.Contains("does not derive from", refusal.QuerySelector("p.error-message")!.TextContent, StringComparison.Ordinal);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task A_form_over_the_servers_form_limits_is_a_400_not_a_500()
    {
        await using var host = await AgentViewHost.StartAsync();
        var (_, v2) = await host.Memory.SeedTwoVersionsAsync();

        using var response = await host.PostReviewAsync(v2.Id, "reject", new string('n', 5_000_000));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith($"The reject of '{v2.Id}' was refused: its form could not be read (", (await AgentViewHost.ParseAsync(await response.Content.ReadAsStringAsync())).QuerySelector("p.error-message")?.TextContent, StringComparison.Ordinal);
        Assert.Equal(MemoryVersionState.Proposed, (await host.Memory.GetVersionAsync(v2.Id))!.State);
    }

    [Fact]
    public async Task A_user_without_a_name_cannot_review()
    {
        await using var host = await AgentViewHost.StartAsync(options => options.AllowAnonymous = true);
        var (_, v2) = await host.Memory.SeedTwoVersionsAsync();
        var page = await host.PageAsync("/dreaming/memory/versions/" + v2.Id, user: null);
        Assert.Empty(page.QuerySelectorAll("form"));
        Assert.StartsWith("Reviews are recorded with the reviewer's name, and the signed-in user has none", page.QuerySelector("p.no-review")?.TextContent, StringComparison.Ordinal);

        using var client = host.Client(user: null);
        using var refused = await client.PostAsync(new Uri($"/dreaming/memory/versions/{v2.Id}/approve", UriKind.Relative), new FormUrlEncodedContent([]));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal($"The approve of '{v2.Id}' was refused: a review is recorded with the reviewer's name, and the signed-in user has none (no name claim). Sign in as a named user.", (await AgentViewHost.ParseAsync(await refused.Content.ReadAsStringAsync())).QuerySelector("p.error-message")?.TextContent);
        Assert.Equal(MemoryVersionState.Proposed, (await host.Memory.GetVersionAsync(v2.Id))!.State);
    }

    [Fact]
    public async Task ReviewerName_names_the_reviewer_of_a_view_served_without_sign_in()
    {
        await using var host = await AgentViewHost.StartAsync(options =>
        {
            options.AllowAnonymous = true;
            options.ReviewerName = _ => "dana";
        });
        var (_, v2) = await host.Memory.SeedTwoVersionsAsync();

        using var response = await host.PostReviewAsync(v2.Id, "approve", user: null!);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal(MemoryAuthor.Person("dana"), (await host.Memory.GetVersionAsync(v2.Id))!.ReviewedBy);
    }

    [Fact]
    public async Task A_ReviewerName_that_gives_a_blank_name_leaves_the_user_without_review()
    {
        await using var host = await AgentViewHost.StartAsync(options => options.ReviewerName = _ => "  ");
        var (_, v2) = await host.Memory.SeedTwoVersionsAsync();

        var page = await host.PageAsync("/dreaming/memory/versions/" + v2.Id);
        using var client = host.Client();
        using var refused = await client.PostAsync(new Uri($"/dreaming/memory/versions/{v2.Id}/approve", UriKind.Relative), new FormUrlEncodedContent([]));

        Assert.Empty(page.QuerySelectorAll("form"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(MemoryVersionState.Proposed, (await host.Memory.GetVersionAsync(v2.Id))!.State);
    }

    [Fact]
    public async Task ReadOnly_shows_no_forms_and_refuses_posts_with_403()
    {
        await using var host = await AgentViewHost.StartAsync(options => options.ReadOnly = true);
        var (_, v2) = await host.Memory.SeedTwoVersionsAsync();

        var page = await host.PageAsync("/dreaming/memory/versions/" + v2.Id);
        Assert.Empty(page.QuerySelectorAll("form"));
        Assert.Null(page.QuerySelector("section#review"));

        using var client = host.Client();
        using var post = await client.PostAsync(new Uri($"/dreaming/memory/versions/{v2.Id}/approve", UriKind.Relative), new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        var refused = await AgentViewHost.ParseAsync(await post.Content.ReadAsStringAsync());
        Assert.Equal($"The agent view is read-only: memory versions cannot be approved, rejected or rolled back from it (the approve of '{v2.Id}' was refused).", refused.QuerySelector("p.error-message")?.TextContent);
        Assert.Equal(MemoryVersionState.Proposed, (await host.Memory.GetVersionAsync(v2.Id))!.State);
    }

    [Fact]
    public async Task The_hosts_own_antiforgery_is_used_when_registered()
    {
        await using var host = await AgentViewHost.StartAsync(services: services => services.AddAntiforgery(options => options.FormFieldName = "host-token"));
        var (_, v2) = await host.Memory.SeedTwoVersionsAsync();
        var page = await host.PageAsync("/dreaming/memory/versions/" + v2.Id);
        Assert.Equal("host-token", page.QuerySelector("form.review-approve input[type=hidden]")!.GetAttribute("name"));

        using var response = await host.PostReviewAsync(v2.Id, "approve");
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
    }

    [Fact]
    public async Task An_approval_from_the_view_is_published_as_memory_version_activated()
    {
        var publisher = new RecordingPublisher();
        await using var host = await AgentViewHost.StartAsync(services: services =>
        {
            services.AddSingleton<IWebhookPublisher>(publisher);
            services.AddDreamingAgents().AddWebhooks();
        });
        var (_, v2) = await host.Memory.SeedTwoVersionsAsync();
        publisher.Events.Clear();

        using var response = await host.PostReviewAsync(v2.Id, "approve");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var (type, data) = Assert.Single(publisher.Events);
        Assert.Equal(WebhookEventTypes.MemoryVersionActivated, type);
        Assert.Contains(v2.Id, data.ToJsonString(), StringComparison.Ordinal);
    }

    private sealed class RecordingPublisher : IWebhookPublisher
    {
        public List<(string Type, JsonObject Data)> Events { get; } = [];

        public bool IsEnabled => true;

        public bool IncludeFullPayloads => false;

        public bool IsSubscribed(string eventType) => true;

        public Task<WebhookEvent?> PublishAsync(string eventType, JsonObject data, CancellationToken cancellationToken = default)
        {
            lock (Events)
            {
                Events.Add((eventType, data));
            }

            return Task.FromResult<WebhookEvent?>(null);
        }
    }
}

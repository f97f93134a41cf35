using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dreaming.Tests.Webhooks;

public sealed class WebhookEndpointTests
{
    [Theory]
    [InlineData("session.failed", "session.failed", true)]
    [InlineData("session.failed", "session.completed", false)]
    [InlineData("dream.*", "dream.completed", true)]
    [InlineData("dream.*", "dreams.completed", false)]
    [InlineData("dream.*", "dream", false)]
    [InlineData("outcome.*", "outcome.evaluation_ended", true)]
    [InlineData("*", "budget.reached", true)]
    public void Filters_match_exact_types_and_prefixes(string filter, string type, bool expected)
    {
        var endpoint = new WebhookEndpoint { Id = "ci", Url = "https://ci.example.com/hook" };
        endpoint.Events.Add(filter);

        Assert.Equal(expected, endpoint.Subscribes(type));
    }

    [Fact]
    public void The_catalogue_names_a_rejection_and_a_cancellation_in_the_tense_and_spelling_of_their_siblings()
    {
        Assert.Contains("memory.version_rejected", WebhookEventTypes.All);
        Assert.Contains("dream.canceled", WebhookEventTypes.All);
        Assert.Equal(WebhookEventTypes.All.Count, WebhookEventTypes.All.Distinct(StringComparer.Ordinal).Count());
        Assert.All(WebhookEventTypes.All, type => Assert.Matches("^[a-z]+\\.[a-z_]+$", type));
    }

    [Fact]
    public void The_docs_catalogue_lists_every_event_type_and_no_other()
    {
        var docs = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "webhooks.md"));
        var table = docs[docs.IndexOf("## The catalogue", StringComparison.Ordinal)..docs.IndexOf("Example (`session.completed`", StringComparison.Ordinal)];
        var listed = table.Split('\n')
            .Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .Select(line => line[3..line.IndexOf('`', 3)])
            .ToList();

        Assert.Equal(WebhookEventTypes.All.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void No_filter_subscribes_to_everything()
    {
        Assert.All(WebhookEventTypes.All, type => Assert.True(new WebhookEndpoint().Subscribes(type)));
    }

    [Theory]
    [InlineData("ftp://example.com/x", "Url 'ftp://example.com/x' must be an absolute http:// or https:// URL")]
    [InlineData("/relative/hook", "Url '/relative/hook' must be an absolute")]
    [InlineData("", "Url '' must be an absolute")]
    public void A_url_that_is_not_absolute_http_is_named(string url, string expected)
    {
        var endpoint = new WebhookEndpoint { Id = "ci", Url = url };
        endpoint.Secrets.Add(WebhookSecret.Generate());

        Assert.Contains(endpoint.Validate("WebhookOptions.Endpoints[0]"), f => f.Contains(expected, StringComparison.Ordinal) && f.StartsWith("WebhookOptions.Endpoints[0].Url", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https://hooks:s3cr3t-pw@ci.example.com/in", "Url 'https://***@ci.example.com/in' has user info")]
    [InlineData("http://s3cr3t-pw@ci.example.com", "Url 'http://***@ci.example.com' has user info")]
    [InlineData("ftp://user:s3cr3t-pw@example.com/x", "Url 'ftp://***@example.com/x' must be an absolute http:// or https:// URL")]
    [InlineData("ftp://user:s3cr3t-pw@example.com/x?token=s3cr3t-pw", "Url 'ftp://***@example.com/x?***' must be an absolute http:// or https:// URL")]
    [InlineData("https://hooks:s3cr3t-pw@ci.example.com/in#s3cr3t-pw", "Url 'https://***@ci.example.com/in#***' has user info")]
    [InlineData("ftp://example.com/x?token=s3cr3t-pw", "Url 'ftp://example.com/x?***' must be an absolute http:// or https:// URL")]
    public void A_url_with_user_info_is_refused_without_showing_the_password(string url, string expected)
    {
        var endpoint = new WebhookEndpoint { Id = "ci", Url = url };
        endpoint.Secrets.Add(WebhookSecret.Generate());

        var failures = endpoint.Validate("WebhookOptions.Endpoints[0]");

        Assert.Contains(failures, f => f.Contains(expected, StringComparison.Ordinal) && f.StartsWith("WebhookOptions.Endpoints[0].Url", StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.Contains("s3cr3t-pw", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https://ci.example.com/in?to=a@b.example")]
    [InlineData("https://ci.example.com/users/@me")]
    public void An_at_sign_after_the_host_is_not_user_info(string url)
    {
        var endpoint = new WebhookEndpoint { Id = "ci", Url = url };
        endpoint.Secrets.Add(WebhookSecret.Generate());

        Assert.Empty(endpoint.Validate("E"));
    }

    [Fact]
    public void Bad_secrets_ids_and_filters_are_named_without_the_secret()
    {
        var endpoint = new WebhookEndpoint { Id = "has space", Url = "https://x.example.com" };
        endpoint.Secrets.Add("sk_live_abcdef");
        endpoint.Secrets.Add("whsec_%%%");
        endpoint.Events.Add("dream.");

        var failures = endpoint.Validate("E");

        Assert.Contains(failures, f => f.StartsWith("E.Id 'has space'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("E.Secrets[0] must start with 'whsec_'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("E.Secrets[1] is not valid base64", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("'dream.'", StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.Contains("sk_live_abcdef", StringComparison.Ordinal));
    }

    [Fact]
    public void The_body_is_type_timestamp_and_data_in_compact_json()
    {
        var webhookEvent = new WebhookEvent
        {
            Id = "msg_1",
            Type = "session.completed",
            Timestamp = new DateTimeOffset(2025, 3, 14, 9, 26, 53, 589, TimeSpan.FromHours(2)),
            Data = new JsonObject { ["session_id"] = "ses_1", ["score"] = 0.5 },
        };

        Assert.Equal("{\"type\":\"session.completed\",\"timestamp\":\"2025-03-14T07:26:53.589Z\",\"data\":{\"session_id\":\"ses_1\",\"score\":0.5}}", webhookEvent.ToBody());
        using var parsed = JsonDocument.Parse(webhookEvent.ToBody());
        Assert.Equal(["type", "timestamp", "data"], parsed.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Event_ids_never_contain_a_full_stop()
    {
        Assert.All(Enumerable.Range(0, 100).Select(_ => WebhookEvent.NewId()), id =>
        {
            Assert.StartsWith("msg_", id, StringComparison.Ordinal);
            Assert.DoesNotContain('.', id);
        });
    }
}

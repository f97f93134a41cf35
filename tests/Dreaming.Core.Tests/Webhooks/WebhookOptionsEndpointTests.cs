using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dreaming.Tests.Webhooks;

public sealed class WebhookOptionsEndpointTests
{
    [Theory]
    // The host in its ASCII form, lower case, then the first 16 hex digits of SHA-256 of the URL's text as given
    // (computed independently: python3 -c "import hashlib; print(hashlib.sha256(url.encode()).hexdigest()[:16])").
    [InlineData("https://Hooks.Example.com/dreaming?token=abc", "hooks.example.com-c1a43ca4cd50db91")]
    [InlineData("http://127.0.0.1:5080/hooks", "127.0.0.1-b3ef00f99142252a")]
    [InlineData("https://bücher.example/hook", "xn--bcher-kva.example-3ef31134cef38861")]
    [InlineData("https://ci.example.com/hooks/dreaming", "ci.example.com-40fef0b0685552bd")]
    [InlineData("https://hooks.example.com/dreaming", "hooks.example.com-ec9960d769491ac4")]
    public void The_id_is_derived_from_the_url_text_as_documented(string url, string expected)
    {
        Assert.Equal(expected, WebhookOptionsEndpointExtensions.EndpointIdFor(url));
        Assert.Empty(new WebhookEndpoint { Id = expected, Url = url, Secrets = { WebhookSecret.Generate() } }.Validate("e"));
    }

    [Fact]
    public void An_ipv6_host_gives_a_valid_id()
    {
        var id = WebhookOptionsEndpointExtensions.EndpointIdFor("http://[::1]:8080/x");

        Assert.EndsWith("-cf37139d9c727290", id, StringComparison.Ordinal);
        Assert.Empty(new WebhookEndpoint { Id = id, Url = "http://[::1]:8080/x", Secrets = { WebhookSecret.Generate() } }.Validate("e"));
    }

    [Fact]
    public void AddEndpoint_adds_an_endpoint_with_the_derived_id_the_secret_and_the_filters_and_chains()
    {
        var secret = WebhookSecret.Generate();
        var options = new WebhookOptions();

        var returned = options
            .AddEndpoint("https://ci.example.com/hooks/dreaming", secret, "outcome.*", "dream.completed")
            .AddEndpoint("https://chat.example.com/in", secret);

        Assert.Same(options, returned);
        Assert.Equal(2, options.Endpoints.Count);
        var ci = options.Endpoints[0];
        Assert.Equal(WebhookOptionsEndpointExtensions.EndpointIdFor("https://ci.example.com/hooks/dreaming"), ci.Id);
        Assert.StartsWith("ci.example.com-", ci.Id, StringComparison.Ordinal);
        Assert.Equal("https://ci.example.com/hooks/dreaming", ci.Url);
        Assert.Equal([secret], ci.Secrets);
        Assert.Equal(["outcome.*", "dream.completed"], ci.Events);
        Assert.True(ci.Enabled);
        Assert.Empty(options.Endpoints[1].Events);
        Assert.NotEqual(ci.Id, options.Endpoints[1].Id);
        Assert.Empty(WebhookOptionsValidator.GetFailures(options));
    }

    [Fact]
    public void The_same_url_twice_is_an_error_naming_the_url_without_its_query()
    {
        var options = new WebhookOptions().AddEndpoint("https://ci.example.com/hook?token=s3cr3t", WebhookSecret.Generate(), "dream.*");

        var exception = Assert.Throws<ArgumentException>(() => options.AddEndpoint("https://ci.example.com/hook?token=s3cr3t", WebhookSecret.Generate(), "outcome.*"));

        Assert.Equal("url", exception.ParamName);
        Assert.Contains("an endpoint for the URL 'https://ci.example.com/hook?***' was added already", exception.Message, StringComparison.Ordinal);
        Assert.Contains(WebhookOptionsEndpointExtensions.EndpointIdFor("https://ci.example.com/hook?token=s3cr3t"), exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", exception.Message, StringComparison.Ordinal);
        Assert.Single(options.Endpoints);
    }

    [Fact]
    public void The_same_url_twice_fails_the_start_through_AddWebhooks()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents()
            .AddWebhooks(w => w.AddEndpoint("https://ci.example.com/hook", WebhookSecret.Generate()))
            .AddWebhooks(w => w.AddEndpoint("https://ci.example.com/hook", WebhookSecret.Generate(), "dream.*"));
        using var provider = services.BuildServiceProvider();

        var exception = Assert.Throws<ArgumentException>(() => provider.GetRequiredService<IOptions<WebhookOptions>>().Value);

        Assert.Contains("'https://ci.example.com/hook' was added already", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddEndpoint_checks_its_arguments_naming_the_parameter()
    {
        var options = new WebhookOptions();
        var secret = WebhookSecret.Generate();

        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => ((WebhookOptions)null!).AddEndpoint("https://a.example/h", secret)).ParamName);
        Assert.Equal("url", Assert.Throws<ArgumentNullException>(() => options.AddEndpoint(null!, secret)).ParamName);
        Assert.Equal("secret", Assert.Throws<ArgumentNullException>(() => options.AddEndpoint("https://a.example/h", null!)).ParamName);
        Assert.Equal("events", Assert.Throws<ArgumentNullException>(() => options.AddEndpoint("https://a.example/h", secret, null!)).ParamName);
        Assert.Equal("events", Assert.Throws<ArgumentException>(() => options.AddEndpoint("https://a.example/h", secret, "dream.*", null!)).ParamName);
        Assert.Equal("url", Assert.Throws<ArgumentException>(() => options.AddEndpoint("a.example/h", secret)).ParamName);
        Assert.Equal("url", Assert.Throws<ArgumentException>(() => options.AddEndpoint("file:///etc/passwd", secret)).ParamName);
        Assert.Empty(options.Endpoints);
    }

    [Theory]
    // A URL read from the environment without its scheme, or with another one: the message shows what was given, as the
    // start's validation of a configured endpoint does, with a user name, password, query or fragment hidden.
    [InlineData("ci.example.com/hooks/dreaming", "'ci.example.com/hooks/dreaming'")]
    [InlineData("ftp://ci.example.com/hook?token=s3cr3t", "'ftp://ci.example.com/hook?***'")]
    [InlineData("hooks.example.com/in#s3cr3t", "'hooks.example.com/in#***'")]
    [InlineData("ftp://bot:s3cr3t@ci.example.com/hook", "'ftp://***@ci.example.com/hook'")]
    public void A_url_that_is_not_http_names_the_value_given_without_its_secrets(string url, string shown)
    {
        var options = new WebhookOptions();

        var added = Assert.Throws<ArgumentException>(() => options.AddEndpoint(url, WebhookSecret.Generate(), "dream.*"));
        var derived = Assert.Throws<ArgumentException>(() => WebhookOptionsEndpointExtensions.EndpointIdFor(url));

        foreach (var exception in new[] { added, derived })
        {
            Assert.Equal("url", exception.ParamName);
            Assert.Contains($"The webhook URL {shown} must be an absolute http:// or https:// URL", exception.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cr3t", exception.Message, StringComparison.Ordinal);
        }

        Assert.Empty(options.Endpoints);
    }
}

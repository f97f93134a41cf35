using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Dreaming.Tests.Webhooks;

public sealed class WebhookRegistrationTests
{
    [Theory]
    [InlineData("https://ci.example.com/hook", "sk_live_123", "WebhookOptions.Endpoints[0].Secrets[0] must start with 'whsec_'")]
    [InlineData("https://ci.example.com/hook", "whsec_!!!!", "WebhookOptions.Endpoints[0].Secrets[0] is not valid base64")]
    [InlineData("ci.example.com/hook", null, "WebhookOptions.Endpoints[0].Url 'ci.example.com/hook' must be an absolute http:// or https:// URL")]
    [InlineData("file:///etc/passwd", null, "WebhookOptions.Endpoints[0].Url 'file:///etc/passwd' must be an absolute")]
    public void Bad_settings_fail_with_a_message_naming_the_setting_and_value(string url, string? secret, string expected)
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents().AddWebhookEndpoint("ci", url, secret ?? WebhookSecret.Generate());
        using var provider = services.BuildServiceProvider();

        var exception = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<WebhookOptions>>().Value);

        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
        if (secret is not null)
        {
            Assert.DoesNotContain(secret, exception.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_host_refuses_to_start_with_a_bad_endpoint()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddDreamingAgents().AddWebhookEndpoint("ci", "not a url", WebhookSecret.Generate());
        using var host = builder.Build();

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("WebhookOptions.Endpoints[0].Url 'not a url'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_bind_from_configuration()
    {
        var secret = WebhookSecret.Generate();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dreaming:Webhooks:Endpoints:0:Id"] = "ci",
            ["Dreaming:Webhooks:Endpoints:0:Url"] = "https://ci.example.com/hook",
            ["Dreaming:Webhooks:Endpoints:0:Secrets:0"] = secret,
            ["Dreaming:Webhooks:Endpoints:0:Events:0"] = "dream.*",
            ["Dreaming:Webhooks:AttemptTimeout"] = "00:00:20",
            ["Dreaming:Webhooks:RetrySchedule:0"] = "00:00:00",
            ["Dreaming:Webhooks:RetrySchedule:1"] = "00:01:00",
            ["Dreaming:Webhooks:MaxConsecutiveFailures"] = "3",
        }).Build();
        var services = new ServiceCollection();
        services.AddDreamingAgents().AddWebhooks(configuration.GetSection("Dreaming:Webhooks"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<WebhookOptions>>().Value;

        var endpoint = Assert.Single(options.Endpoints);
        Assert.Equal(("ci", "https://ci.example.com/hook", secret, "dream.*"), (endpoint.Id, endpoint.Url, endpoint.Secrets.Single(), endpoint.Events.Single()));
        Assert.Equal(TimeSpan.FromSeconds(20), options.AttemptTimeout);
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromMinutes(1)], options.RetrySchedule);
        Assert.Equal(3, options.MaxConsecutiveFailures);
        Assert.True(provider.GetRequiredService<IWebhookPublisher>().IsSubscribed("dream.completed"));
    }

    [Fact]
    public void Duplicate_endpoint_ids_and_out_of_range_settings_are_named()
    {
        var options = new WebhookOptions { Jitter = 2, AttemptTimeout = TimeSpan.Zero, BatchSize = 0, MaxConsecutiveFailures = -1 };
        options.Endpoints.Add(WebhookPublishingTests.Endpoint("ci"));
        options.Endpoints.Add(WebhookPublishingTests.Endpoint("ci"));

        var failures = WebhookOptionsValidator.GetFailures(options);

        Assert.Contains(failures, f => f.StartsWith("WebhookOptions.Endpoints[1].Id 'ci' is used by another endpoint", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("WebhookOptions.Jitter is 2", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("WebhookOptions.AttemptTimeout is 00:00:00", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("WebhookOptions.BatchSize is 0", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("WebhookOptions.MaxConsecutiveFailures is -1", StringComparison.Ordinal));
    }

    [Fact]
    public void A_retry_delay_or_retry_after_cap_beyond_a_year_is_refused_naming_it()
    {
        // A delay near TimeSpan.MaxValue overflowed when the next attempt's time was computed: every attempt then failed
        // before it was recorded, and the row was sent again each time its claim ran out, for ever.
        var options = new WebhookOptions { RetrySchedule = [TimeSpan.Zero, TimeSpan.FromMinutes(5), TimeSpan.MaxValue], MaxRetryAfter = TimeSpan.FromDays(400) };

        var failures = WebhookOptionsValidator.GetFailures(options);

        Assert.Contains(failures, f => f.StartsWith($"WebhookOptions.RetrySchedule[2] is {TimeSpan.MaxValue}; a delay must be at most 365.00:00:00", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("WebhookOptions.MaxRetryAfter is 400.00:00:00; it must be at most 365.00:00:00", StringComparison.Ordinal));
    }

    [Fact]
    public void A_poll_interval_longer_than_a_timer_can_wait_or_a_negative_retry_after_cap_is_refused_naming_it_alone()
    {
        // PollInterval had no upper bound: 50 days passed the start, then the dispatcher's wait threw (Task.Delay waits at
        // most 49.7 days), its loop failed and the host stopped with a bare TaskCanceledException. And a bad PollInterval
        // or MaxRetryAfter was reported in one message naming both, whichever was wrong.
        var tooLong = WebhookOptionsValidator.GetFailures(new WebhookOptions { PollInterval = TimeSpan.FromDays(50) });
        var negative = WebhookOptionsValidator.GetFailures(new WebhookOptions { MaxRetryAfter = TimeSpan.FromSeconds(-1) });

        Assert.Equal(["WebhookOptions.PollInterval is 50.00:00:00; it must be more than zero and at most 49.17:02:47.2940000."], tooLong);
        Assert.Equal(["WebhookOptions.MaxRetryAfter is -00:00:01; it must not be negative."], negative);
        Assert.Equal(["WebhookOptions.PollInterval is 00:00:00; it must be more than zero and at most 49.17:02:47.2940000."], WebhookOptionsValidator.GetFailures(new WebhookOptions { PollInterval = TimeSpan.Zero }));
        Assert.Empty(WebhookOptionsValidator.GetFailures(new WebhookOptions { PollInterval = TimeSpan.FromMilliseconds(uint.MaxValue - 1) }));
    }

    [Fact]
    public async Task A_poll_interval_longer_than_a_timer_can_wait_fails_the_hosts_start()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddDreamingAgents().AddWebhooks(options =>
        {
            options.AddEndpoint("https://ci.example.com/hook", WebhookSecret.Generate());
            options.PollInterval = TimeSpan.FromDays(50);
        });
        using var host = builder.Build();

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("WebhookOptions.PollInterval is 50.00:00:00", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_retry_schedule_that_does_not_start_with_zero_is_refused_because_the_first_attempt_is_immediate()
    {
        var options = new WebhookOptions { RetrySchedule = [TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1)] };

        var failure = Assert.Single(WebhookOptionsValidator.GetFailures(options));

        Assert.StartsWith("WebhookOptions.RetrySchedule starts with 00:10:00;", failure, StringComparison.Ordinal);
        Assert.Contains("must be 00:00:00", failure, StringComparison.Ordinal);
        Assert.Empty(WebhookOptionsValidator.GetFailures(new WebhookOptions { RetrySchedule = [TimeSpan.Zero, TimeSpan.FromMinutes(1)] }));
        Assert.Empty(WebhookOptionsValidator.GetFailures(new WebhookOptions { RetrySchedule = [] }));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("172.16.0.1", true)]
    [InlineData("172.32.0.1", false)]
    [InlineData("192.168.1.1", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("100.64.0.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("224.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("fd00::1", true)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("8.8.8.8", false)]
    [InlineData("2606:4700:4700::1111", false)]
    [InlineData("::ffff:8.8.8.8", false)]
    [InlineData("::127.0.0.1", true)]
    [InlineData("::8.8.8.8", false)]
    [InlineData("64:ff9b::10.0.0.1", true)]
    [InlineData("64:ff9b::8.8.8.8", false)]
    [InlineData("64:ff9b:1::8.8.8.8", true)]
    [InlineData("2002:7f00:1::1", true)]
    [InlineData("2002:808:808::1", false)]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", true)]
    [InlineData("198.18.0.1", true)]
    [InlineData("198.19.255.255", true)]
    [InlineData("198.20.0.1", false)]
    [InlineData("192.0.0.8", true)]
    [InlineData("192.0.2.1", true)]
    [InlineData("255.255.255.255", true)]
    [InlineData("2001:db8::1", true)]
    [InlineData("2001:db8:ffff::1", true)]
    [InlineData("3fff:fff::1", true)]
    [InlineData("::ffff:0:10.0.0.1", true)]
    [InlineData("::ffff:0:192.0.2.1", true)]
    [InlineData("::ffff:0:8.8.8.8", false)]
    public void Internal_addresses_are_recognised(string address, bool expected)
    {
        Assert.Equal(expected, WebhookTargetGuard.IsInternal(System.Net.IPAddress.Parse(address)));
    }
}

using System.Net.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dreaming.Tests.Webhooks;

/// <summary>Messages name webhook settings by the option (<c>WebhookOptions.X</c>), which is right whatever section the
/// options were bound from, not as <c>Webhooks:X</c>, a configuration path the host may not have.</summary>
public sealed class WebhookOptionNamingTests
{
    [Fact]
    public async Task Settings_bound_from_the_Dreaming_Webhooks_section_are_named_by_the_option_in_the_start_failure()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dreaming:Webhooks:Jitter"] = "2",
            ["Dreaming:Webhooks:Endpoints:0:Id"] = "ci",
            ["Dreaming:Webhooks:Endpoints:0:Url"] = "ci.example.com/hook",
            ["Dreaming:Webhooks:Endpoints:0:Secrets:0"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        });
        builder.Services.AddDreamingAgents(o => o.AgentId = "bot").AddWebhooks(builder.Configuration.GetSection("Dreaming:Webhooks"));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("WebhookOptions.Jitter is 2; it must be between 0 and 1.", error.Message, StringComparison.Ordinal);
        Assert.Contains("WebhookOptions.Endpoints[0].Url 'ci.example.com/hook' must be an absolute", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Webhooks:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_target_guards_refusal_names_AllowPrivateNetworks_by_the_option_and_its_key()
    {
        using var client = new HttpClient(WebhookTargetGuard.CreateHandler(allowPrivateNetworks: false));

        // A literal loopback address: refused before any connection is made.
        var error = await Assert.ThrowsAnyAsync<Exception>(() => client.GetAsync(new Uri("http://127.0.0.1:9/hook")).WaitAsync(TimeSpan.FromSeconds(30)));

        var refused = FindRefusal(error);
        Assert.Contains("set WebhookOptions.AllowPrivateNetworks (the 'AllowPrivateNetworks' key of the configuration section bound to WebhookOptions) to allow internal targets.", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Webhooks:", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_payload_limit_and_a_duplicate_endpoint_are_named_by_the_option()
    {
        var failure = Assert.Single(WebhookOptionsValidator.GetFailures(new WebhookOptions { MaxPayloadBytes = 1 }));
        Assert.StartsWith("WebhookOptions.MaxPayloadBytes is 1;", failure, StringComparison.Ordinal);

        var options = new WebhookOptions();
        options.AddEndpoint("https://ci.example.com/hook", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        var twice = Assert.Throws<ArgumentException>(() => options.AddEndpoint("https://ci.example.com/hook", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        Assert.StartsWith("WebhookOptions.AddEndpoint: an endpoint for the URL", twice.Message, StringComparison.Ordinal);
    }

    private static Exception FindRefusal(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is WebhookTargetRefusedException)
            {
                return e;
            }
        }

        throw new Xunit.Sdk.XunitException("No WebhookTargetRefusedException in " + error);
    }
}

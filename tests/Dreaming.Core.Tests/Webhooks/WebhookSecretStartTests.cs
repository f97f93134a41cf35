using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Dreaming.Tests.Webhooks;

/// <summary>A secret pasted with whitespace, as the host starts: refused naming the setting when the whitespace is before
/// the prefix, or read as the same key when it is inside or after the base64.</summary>
public sealed class WebhookSecretStartTests
{
    private const string SpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    [Theory]
    [InlineData(" " + SpecSecret, "WebhookOptions.Endpoints[0].Secrets[0] must start with 'whsec_' followed by base64 (got 39 characters starting with whitespace, U+0020 at index 0: remove it).")]
    [InlineData("\u00A0" + SpecSecret, "WebhookOptions.Endpoints[0].Secrets[0] must start with 'whsec_' followed by base64 (got 39 characters starting with whitespace, U+00A0 at index 0: remove it).")]
    [InlineData(SpecSecret + "\u00A0", "WebhookOptions.Endpoints[0].Secrets[0] is not valid base64 after 'whsec_': it has U+00A0 at index 38.")]
    [InlineData(SpecSecret + "\uFEFF", "WebhookOptions.Endpoints[0].Secrets[0] is not valid base64 after 'whsec_': it has U+FEFF at index 38.")]
    public async Task A_secret_with_whitespace_before_the_prefix_or_a_character_base64_has_not_fails_the_start_naming_the_setting(string secret, string expected)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddDreamingAgents().AddWebhookEndpoint("ci", "https://ci.example.com/hook", secret);
        using var host = builder.Build();

        // Validation runs before the dispatcher is built, so the start fails with the setting named, not with the
        // signer's ArgumentException about a parameter called 'secret'.
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync()).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(SpecSecret[6..], exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SpecSecret + "\n")]
    [InlineData(SpecSecret + " \r\n")]
    [InlineData("whsec_MfKQ9r8GKYqrTwjU\nPD8ILPZIo2LaLaSw")]
    public void A_secret_ended_or_wrapped_by_whitespace_passes_validation_and_signs_as_the_receiver_decodes_it(string secret)
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents().AddWebhookEndpoint("ci", "https://ci.example.com/hook", secret);
        using var provider = services.BuildServiceProvider();

        var endpoint = Assert.Single(provider.GetRequiredService<IOptions<WebhookOptions>>().Value.Endpoints);
        var at = DateTimeOffset.FromUnixTimeSeconds(1614265330);

        // The specification's test vector: the receiver's key is the base64 decoded without the whitespace.
        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", new WebhookSigner(endpoint.Secrets).Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", at, "{\"test\": 2432232314}"));
    }
}

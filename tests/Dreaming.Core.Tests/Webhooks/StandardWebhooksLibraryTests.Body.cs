using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StandardWebhooks;
using LibraryVerificationException = StandardWebhooks.Diagnostics.WebhookVerificationException;

namespace Dreaming.Tests.Webhooks;

/// <summary>What a receiver on the library must do: verify the bytes received, within five minutes of each attempt.</summary>
public sealed partial class StandardWebhooksLibraryTests
{
    [Fact]
    public async Task A_body_the_receiver_reserialises_before_verifying_does_not_verify()
    {
        var secret = WebhookSecret.Generate();
        await using var receiver = new LoopbackReceiver(NoContent);
        await using (var services = Build(receiver.Url, [secret], "session.*"))
        {
            await using (var session = services.GetRequiredService<IAgentSessionFactory>().StartSession("support-bot", "Rückerstattung für Bestellung #1 ✓"))
            {
                await session.CompleteAsync(SessionStatus.Completed, SessionOutcome.Succeeded(0.9, "rubric:x@1"));
            }

            await DispatchAllAsync(services);
        }

        var request = Assert.Single(Drain(receiver));
        var library = new StandardWebhook(secret);
        library.Verify(request.Text, Headers(request));

        // Pretty-printed (as a log or a framework's formatter writes it), written with an encoder that keeps non-ASCII
        // text as it is (the relaxed one), or bound to a model and written back (the timestamp becomes a
        // DateTimeOffset's text, properties the model lacks are dropped): other bytes, no match. A compact round trip
        // through System.Text.Json's default encoder happens to give the same bytes today; nothing promises it.
        var indented = JsonNode.Parse(request.Text)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        var relaxed = JsonNode.Parse(request.Text)!.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var bound = JsonSerializer.Serialize(JsonSerializer.Deserialize<ReceivedEvent>(request.Text, JsonSerializerOptions.Web), JsonSerializerOptions.Web);
        Assert.All([indented, relaxed, bound], text =>
        {
            Assert.NotEqual(request.Text, text);
            var refused = Assert.Throws<LibraryVerificationException>(() => library.Verify(text, Headers(request)));
            Assert.Equal("No matching signature found", refused.Message);
        });
    }

    [Fact]
    public async Task Each_attempt_is_stamped_and_signed_when_it_is_made_so_a_retry_hours_later_is_within_the_tolerance()
    {
        // The dispatcher's clock starts an hour behind the real one the library checks against; the first attempt fails.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));
        var secret = WebhookSecret.Generate();
        var answers = 0;
        await using var receiver = new LoopbackReceiver((request, stream, ct) => LoopbackReceiver.WriteAsync(
            stream, Interlocked.Increment(ref answers) == 1 ? "HTTP/1.1 500 Down\nConnection: close\nContent-Length: 0\n" : "HTTP/1.1 204 No Content\nConnection: close\n", ct));
        await using var clocked = BuildOn(clock, receiver.Url, secret);
        await CompleteSessionAsync(clocked, "refund order #1");
        var dispatcher = clocked.GetRequiredService<WebhookDispatcher>();

        Assert.Equal(1, await dispatcher.DispatchDueAsync().WaitAsync(TimeSpan.FromSeconds(60)));
        clock.SetUtcNow(DateTimeOffset.UtcNow);
        Assert.Equal(1, await dispatcher.DispatchDueAsync().WaitAsync(TimeSpan.FromSeconds(60)));

        var attempts = Drain(receiver);
        Assert.Equal(2, attempts.Count);
        Assert.Equal(attempts[0].Headers[WebhookHeaders.Id], attempts[1].Headers[WebhookHeaders.Id]);
        Assert.Equal(attempts[0].Body, attempts[1].Body);
        var library = new StandardWebhook(secret);
        Assert.Equal("Message timestamp too old", Assert.Throws<LibraryVerificationException>(() => library.Verify(attempts[0].Text, Headers(attempts[0]))).Message);
        library.Verify(attempts[1].Text, Headers(attempts[1]));
        Assert.Equal(WebhookDeliveryState.Delivered, Assert.Single(await clocked.GetRequiredService<IWebhookOutboxStore>().ListAsync()).State);
    }

    private static ServiceProvider BuildOn(TimeProvider clock, Uri url, string secret)
    {
        var services = new ServiceCollection();
        services.AddSingleton(clock);
        services.AddDreamingAgents().AddWebhooks(options =>
        {
            options.AllowPrivateNetworks = true;
            options.Jitter = 0;
            options.RetrySchedule = [TimeSpan.Zero, TimeSpan.FromMinutes(30)];
            var endpoint = new WebhookEndpoint { Id = "ci", Url = url.ToString() };
            endpoint.Secrets.Add(secret);
            options.Endpoints.Add(endpoint);
        });
        return services.BuildServiceProvider();
    }

    /// <summary>A receiver's model of an event: what it reads, as it would bind it.</summary>
    private sealed record ReceivedEvent(string Type, DateTimeOffset Timestamp, JsonElement Data);
}

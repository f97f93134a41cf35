using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Tests;

/// <summary>A 409 echoes the store's refusal, bounded: a store of the app's own may name a value of megabytes in it.</summary>
public sealed class ConflictEchoTests
{
    [Fact]
    public async Task A_store_refusal_of_a_megabyte_is_echoed_bounded_on_the_409_page()
    {
        var message = "Refused: " + new string('x', 1_000_000);
        var store = new RefusingMemoryStore(new InMemoryMemoryStore(), message);
        await using var host = await AgentViewHost.StartAsync(services: services => services.AddSingleton<IMemoryStore>(store));
        var (_, v2) = await host.Memory.SeedTwoVersionsAsync();
        store.Refused = v2.Id;

        using var response = await host.PostReviewAsync(v2.Id, "approve");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.True(body.Length < 20_000, $"the 409 page is {body.Length:N0} characters");
        var refusal = (await AgentViewHost.ParseAsync(body)).QuerySelector("p.error-message")!.TextContent;
        Assert.StartsWith("Refused: xxx", refusal, StringComparison.Ordinal);
        Assert.Contains("(1,000,009 characters)", refusal, StringComparison.Ordinal);
    }

    private sealed class RefusingMemoryStore(IMemoryStore inner, string message) : ForwardingMemoryStore(inner)
    {
        public string? Refused { get; set; }

        public override Task<MemoryVersion> ApproveAsync(string versionId, MemoryAuthor reviewer, CancellationToken cancellationToken = default) =>
            versionId == Refused ? throw new MemoryStateException(message) : base.ApproveAsync(versionId, reviewer, cancellationToken);
    }
}

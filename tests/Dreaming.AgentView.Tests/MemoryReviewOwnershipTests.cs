using Dreaming.AgentView.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Tests;

/// <summary>The services the view builds for itself when the host has no antiforgery (or no data protection) are disposed
/// with the app, not left to the finalizer.</summary>
public sealed class MemoryReviewOwnershipTests
{
    [Theory]
    [InlineData(false)] // no antiforgery: the view builds its own
    [InlineData(true)] // the host's antiforgery but no data protection: the view builds the services for the keys
    public async Task The_services_the_view_builds_for_itself_are_disposed_when_the_app_stops(bool hostAntiforgery)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddDreamingAgents();
        if (hostAntiforgery)
        {
            builder.Services.AddSingleton<IAntiforgery, NoAntiforgery>();
        }

        var app = builder.Build();
        var review = MemoryReview.Create(app.Services);
        var own = Assert.IsAssignableFrom<IServiceProvider>(review.OwnedServices);
        Assert.NotNull(own.GetService<IAntiforgery>());

        await app.StartAsync();
        await app.StopAsync();
        await app.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => own.GetService<IAntiforgery>());
    }

    private sealed class NoAntiforgery : IAntiforgery
    {
        public AntiforgeryTokenSet GetAndStoreTokens(HttpContext httpContext) => GetTokens(httpContext);

        public AntiforgeryTokenSet GetTokens(HttpContext httpContext) => new("t", "c", "f", "h");

        public Task<bool> IsRequestValidAsync(HttpContext httpContext) => Task.FromResult(true);

        public void SetCookieTokenAndHeader(HttpContext httpContext)
        {
        }

        public Task ValidateRequestAsync(HttpContext httpContext) => Task.CompletedTask;
    }
}

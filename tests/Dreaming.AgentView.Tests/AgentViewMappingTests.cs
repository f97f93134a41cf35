using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Tests;

/// <summary>MapDreamingAgentView: its authorization by default, its options, what it refuses, the headers of its pages.</summary>
public sealed class AgentViewMappingTests
{
    [Fact]
    public async Task An_anonymous_request_is_challenged_by_default_and_a_signed_in_user_sees_the_view()
    {
        await using var host = await AgentViewHost.StartAsync();
        using var anonymous = host.Client(user: null);
        using var refused = await anonymous.GetAsync(new Uri("/dreaming/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using var signedIn = host.Client("alice");
        using var page = await signedIn.GetAsync(new Uri("/dreaming/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var css = await anonymous.GetAsync(new Uri("/dreaming/assets/agent-view.css", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, css.StatusCode);
    }

    [Fact]
    public async Task A_named_policy_is_required_of_every_page()
    {
        await using var host = await AgentViewHost.StartAsync(options => options.AuthorizationPolicy = "admins");
        using var user = host.Client("bob");
        using var forbidden = await user.GetAsync(new Uri("/dreaming/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        using var admin = host.Client("carol", "admin");
        using var page = await admin.GetAsync(new Uri("/dreaming/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task AllowAnonymous_serves_the_view_without_a_user()
    {
        await using var host = await AgentViewHost.StartAsync(options => options.AllowAnonymous = true);
        using var anonymous = host.Client(user: null);
        using var page = await anonymous.GetAsync(new Uri("/dreaming", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task Every_page_forbids_scripts_framing_and_caching()
    {
        await using var host = await AgentViewHost.StartAsync();
        using var client = host.Client();
        foreach (var path in new[] { "/dreaming/", "/dreaming/assets/agent-view.css" })
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var policy = string.Join(';', response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
            Assert.DoesNotContain("script-src", policy, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
            Assert.Equal("nosniff", string.Join(',', response.Headers.GetValues("X-Content-Type-Options")));
        }
    }

    [Fact]
    public async Task Links_start_at_the_hosts_path_base_and_the_views_pattern()
    {
        await using var host = await AgentViewHost.StartAsync(pattern: "/admin/agents/", pathBase: "/app");
        var page = await host.PageAsync("/app/admin/agents/");
        var stylesheet = page.QuerySelector("link[rel=stylesheet]")!.GetAttribute("href");
        Assert.Equal("/app/admin/agents/assets/agent-view.css", stylesheet);
        Assert.All(page.QuerySelectorAll("nav a"), link => Assert.StartsWith("/app/admin/agents/", link.GetAttribute("href"), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("dreaming")]
    [InlineData("/dreaming/{id}")]
    [InlineData("/dreaming?x=1")]
    public async Task A_pattern_that_is_not_a_plain_path_is_refused_by_name(string pattern)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddDreamingAgents();
        builder.Services.AddAuthorization();
        await using var app = builder.Build();
        var error = Assert.Throws<ArgumentException>(() => app.MapDreamingAgentView(pattern));
        Assert.Equal("pattern", error.ParamName);
        Assert.Contains(pattern, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(AgentViewOptions.MaxPageSize + 1)]
    public async Task A_page_size_out_of_range_is_refused_by_name(int pageSize)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddDreamingAgents();
        builder.Services.AddAuthorization();
        await using var app = builder.Build();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => app.MapDreamingAgentView(configure: options => options.PageSize = pageSize));
        Assert.Equal("PageSize", error.ParamName);
    }

    [Fact]
    public async Task A_null_ReviewerName_is_refused_by_name()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddDreamingAgents();
        builder.Services.AddAuthorization();
        await using var app = builder.Build();
        var error = Assert.Throws<ArgumentException>(() => app.MapDreamingAgentView(configure: options => options.ReviewerName = null!));
        Assert.Equal("ReviewerName", error.ParamName);
    }

    [Fact]
    public async Task Mapping_without_the_Dreaming_services_names_AddDreamingAgents()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddAuthorization();
        await using var app = builder.Build();
        var error = Assert.Throws<InvalidOperationException>(() => app.MapDreamingAgentView());
        Assert.Contains("AddDreamingAgents()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mapping_without_authorization_services_names_AddAuthorization_unless_anonymous_is_allowed()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddDreamingAgents();
        await using var app = builder.Build();
        var error = Assert.Throws<InvalidOperationException>(() => app.MapDreamingAgentView());
        Assert.Contains("AddAuthorization()", error.Message, StringComparison.Ordinal);
        Assert.Contains("AllowAnonymous", error.Message, StringComparison.Ordinal);
        app.MapDreamingAgentView(configure: options => options.AllowAnonymous = true);
    }

    [Fact]
    public async Task The_setup_of_the_docs_maps_the_view_in_development_where_scopes_are_validated()
    {
        // agent-view.md's Setup, run as 'dotnet run' runs a new app (Development, so the provider validates scopes):
        // MapDreamingAgentView resolved the scoped IAuthenticationService from the root provider to see whether
        // AddAuthentication() was called, and the app failed at start ("Cannot resolve scoped service
        // 'Microsoft.AspNetCore.Authentication.IAuthenticationService' from root provider").
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseTestServer();
        builder.Services.AddDreamingAgents();
        builder.Services.AddAuthentication().AddCookie();
        builder.Services.AddAuthorization(options => options.AddPolicy("agent-reviewers", policy => policy.RequireRole("agent-reviewer")));
        await using var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapDreamingAgentView("/dreaming", options => options.AuthorizationPolicy = "agent-reviewers");
        await app.StartAsync();

        using var client = app.GetTestClient();
        using var response = await client.GetAsync(new Uri("/dreaming/", UriKind.Relative));

        // The cookie scheme challenges an anonymous request with a redirect to its sign-in page.
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/Login", response.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_setup_of_the_docs_redirects_a_signed_in_user_without_the_role_to_the_access_denied_page()
    {
        // agent-view.md: with AddCookie() a user who fails the policy is redirected to the scheme's AccessDeniedPath,
        // not answered 403, so the app must serve that page too.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddDreamingAgents();
        builder.Services.AddAuthentication().AddCookie();
        builder.Services.AddAuthorization(options => options.AddPolicy("agent-reviewers", policy => policy.RequireRole("agent-reviewer")));
        await using var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/sign-in", (HttpContext http) => http.SignInAsync(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "alice")], "cookie"))));
        app.MapDreamingAgentView("/dreaming", options => options.AuthorizationPolicy = "agent-reviewers");
        await app.StartAsync();

        using var client = app.GetTestClient();
        using var signIn = await client.GetAsync(new Uri("/sign-in", UriKind.Relative));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/dreaming/", UriKind.Relative));
        request.Headers.Add("Cookie", signIn.Headers.GetValues("Set-Cookie").Select(cookie => cookie.Split(';')[0]));
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/AccessDenied", response.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_container_that_cannot_say_what_it_holds_maps_the_view_with_a_scoped_service_that_only_disposes_asynchronously()
    {
        // Without IServiceProviderIsService (a third-party container) the view resolved IAuthenticationService in a scope
        // it disposed synchronously, and the scope's IClaimsTransformation, which disposes only asynchronously, threw
        // from that disposal ("... only implements IAsyncDisposable. Use DisposeAsync ..."), failing the app's start.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Host.UseServiceProviderFactory(new ProviderWithoutIsServiceFactory());
        builder.Services.AddDreamingAgents();
        builder.Services.AddAuthentication().AddCookie();
        builder.Services.AddScoped<IClaimsTransformation, AsyncDisposableClaimsTransformation>();
        builder.Services.AddAuthorization();
        await using var app = builder.Build();
        Assert.Null(app.Services.GetService<IServiceProviderIsService>());
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapDreamingAgentView();
        await app.StartAsync();

        using var client = app.GetTestClient();
        using var response = await client.GetAsync(new Uri("/dreaming/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/Login", response.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_container_that_cannot_say_what_it_holds_still_names_AddAuthentication_when_it_is_missing()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Host.UseServiceProviderFactory(new ProviderWithoutIsServiceFactory());
        builder.Services.AddDreamingAgents();
        builder.Services.AddAuthorization();
        await using var app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapDreamingAgentView());

        Assert.Contains("AddAuthentication()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mapping_with_authorization_but_no_authentication_names_AddAuthentication_unless_anonymous_is_allowed()
    {
        // AddAuthorization() alone mapped the view, and then every request was a 500 (no IAuthenticationService to
        // challenge or forbid with) instead of the 401 or 403 the view promises.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddDreamingAgents();
        builder.Services.AddAuthorization();
        await using var app = builder.Build();
        var error = Assert.Throws<InvalidOperationException>(() => app.MapDreamingAgentView());
        Assert.Contains("AddAuthentication()", error.Message, StringComparison.Ordinal);
        Assert.Contains("AllowAnonymous", error.Message, StringComparison.Ordinal);
        app.MapDreamingAgentView(configure: options => options.AllowAnonymous = true);
    }

    /// <summary>Builds the default provider but hides its <see cref="IServiceProviderIsService"/>, as a container that does
    /// not implement it does.</summary>
    private sealed class ProviderWithoutIsServiceFactory : IServiceProviderFactory<IServiceCollection>
    {
        public IServiceCollection CreateBuilder(IServiceCollection services) => services;

        public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder) =>
            new ProviderWithoutIsService(containerBuilder.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true }));
    }

    private sealed class ProviderWithoutIsService(ServiceProvider inner) : IServiceProvider, IDisposable, IAsyncDisposable
    {
        public object? GetService(Type serviceType) =>
            serviceType == typeof(IServiceProviderIsService) || serviceType == typeof(IServiceProviderIsKeyedService) ? null
            : serviceType == typeof(IServiceProvider) ? this
            : inner.GetService(serviceType);

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    /// <summary>A scoped service that disposes only asynchronously, as a service holding a connection may.</summary>
    private sealed class AsyncDisposableClaimsTransformation : IClaimsTransformation, IAsyncDisposable
    {
        public Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal) => Task.FromResult(principal);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

using System.Security.Claims;
using System.Text.Encodings.Web;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Dreaming.AgentView;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dreaming.AgentView.Tests;

/// <summary>An ASP.NET Core app on the in-memory test server with the library's default (in-memory) stores, a test
/// authentication scheme (the user and roles come from request headers) and the agent view mapped.</summary>
internal sealed class AgentViewHost : IAsyncDisposable
{
    public const string UserHeader = "X-Test-User";
    public const string RolesHeader = "X-Test-Roles";

    private readonly WebApplication _app;

    private AgentViewHost(WebApplication app)
    {
        _app = app;
        Server = app.GetTestServer();
    }

    public TestServer Server { get; }

    public IServiceProvider Services => _app.Services;

    public ITraceStore Traces => Services.GetRequiredService<ITraceStore>();

    public IMemoryStore Memory => Services.GetRequiredService<IMemoryStore>();

    public IDreamRunStore DreamRuns => Services.GetRequiredService<IDreamRunStore>();

    /// <summary>Starts an app.</summary>
    /// <param name="configure">The view's options.</param>
    /// <param name="services">More registrations (a policy, another store) after AddDreamingAgents.</param>
    /// <param name="pattern">The view's path.</param>
    /// <param name="pathBase">A path base the app is hosted under, or null.</param>
    public static async Task<AgentViewHost> StartAsync(Action<AgentViewOptions>? configure = null, Action<IServiceCollection>? services = null, string pattern = "/dreaming", string? pathBase = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddDreamingAgents();
        builder.Services.AddAuthentication(TestAuthentication.SchemeName).AddScheme<AuthenticationSchemeOptions, TestAuthentication>(TestAuthentication.SchemeName, null);
        builder.Services.AddAuthorization(options => options.AddPolicy("admins", policy => policy.RequireRole("admin")));
        services?.Invoke(builder.Services);
        var app = builder.Build();
        if (pathBase is not null)
        {
            app.UsePathBase(pathBase);
        }

        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapDreamingAgentView(pattern, configure);
        await app.StartAsync();
        return new AgentViewHost(app);
    }

    /// <summary>Starts an app with the view (anonymous) on Kestrel at a free loopback port: a real server, which keeps the
    /// raw request target and decodes paths as browsers meet them. The caller disposes the app.</summary>
    /// <param name="services">More registrations after AddDreamingAgents.</param>
    /// <param name="before">Middleware to run before the view (a rewrite).</param>
    public static async Task<(WebApplication App, string Address)> StartKestrelAsync(Action<IServiceCollection>? services = null, Action<WebApplication>? before = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddDreamingAgents();
        services?.Invoke(builder.Services);
        var app = builder.Build();
        before?.Invoke(app);
        app.MapDreamingAgentView(configure: options => options.AllowAnonymous = true);
        await app.StartAsync();
        return (app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>A client signed in as <paramref name="user"/> (null: anonymous) with <paramref name="roles"/>.</summary>
    public HttpClient Client(string? user = "alice", params string[] roles)
    {
        var client = Server.CreateClient();
        if (user is not null)
        {
            client.DefaultRequestHeaders.Add(UserHeader, user);
        }

        if (roles.Length > 0)
        {
            client.DefaultRequestHeaders.Add(RolesHeader, string.Join(',', roles));
        }

        return client;
    }

    /// <summary>Gets a page as a signed-in user, checks it is a 200 HTML page, and parses it.</summary>
    public async Task<IHtmlDocument> PageAsync(string path, string? user = "alice")
    {
        using var client = Client(user);
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode}\n{body}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        return await new HtmlParser().ParseDocumentAsync(body);
    }

    /// <summary>Parses HTML.</summary>
    public static Task<IHtmlDocument> ParseAsync(string html) => new HtmlParser().ParseDocumentAsync(html);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Signs in the user the request's headers name; no header, no user.</summary>
    private sealed class TestAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "Test";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Headers.TryGetValue(UserHeader, out var user) || string.IsNullOrEmpty(user))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var claims = new List<Claim> { new(ClaimTypes.Name, user.ToString()) };
            if (Request.Headers.TryGetValue(RolesHeader, out var roles))
            {
                claims.AddRange(roles.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(role => new Claim(ClaimTypes.Role, role)));
            }

            var identity = new ClaimsIdentity(claims, SchemeName);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
        }
    }
}

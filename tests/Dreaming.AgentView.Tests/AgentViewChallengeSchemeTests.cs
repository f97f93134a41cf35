using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dreaming.AgentView.Tests;

/// <summary>The view's check that a refused request has a scheme to be challenged with: it must not refuse an app whose
/// view is challenged today, through a convention on the returned group (as docs/agent-view.md says it may be), an outer
/// group's policy, or an authorization result handler of the app's own.</summary>
public sealed class AgentViewChallengeSchemeTests
{
    [Fact]
    public async Task A_scheme_named_on_the_returned_group_challenges_with_it()
    {
        // Two schemes, none the default; the docs' RequireAuthorization on the returned group names the one to use.
        await using var app = Build(services => services.AddAuthentication().AddCookie("staff-cookie").AddCookie("customer-cookie"));
        app.MapDreamingAgentView().RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = "staff-cookie" });

        Assert.Equal(HttpStatusCode.Redirect, await AnonymousStatusAsync(app, "/dreaming/"));
    }

    [Fact]
    public async Task A_scheme_named_by_an_outer_groups_policy_challenges_with_it()
    {
        await using var app = Build(services => services.AddAuthentication().AddCookie("staff-cookie").AddCookie("customer-cookie"));
        app.MapGroup("/admin").RequireAuthorization(policy => policy.AddAuthenticationSchemes("staff-cookie").RequireAuthenticatedUser()).MapDreamingAgentView();

        Assert.Equal(HttpStatusCode.Redirect, await AnonymousStatusAsync(app, "/admin/dreaming/"));
    }

    [Fact]
    public async Task An_apps_own_result_handler_answers_a_refused_request_without_a_scheme()
    {
        // The app signs its users in itself (a middleware of its own) and answers a refusal in its result handler.
        await using var app = Build(services => services.AddAuthentication().Services.AddSingleton<IAuthorizationMiddlewareResultHandler, Unauthorized>());
        app.MapDreamingAgentView();

        Assert.Equal(HttpStatusCode.Unauthorized, await AnonymousStatusAsync(app, "/dreaming/"));
    }

    [Fact]
    public async Task Authentication_with_no_scheme_fails_when_the_views_endpoints_are_built_naming_the_fix()
    {
        // AddAuthentication() with no scheme mapped the view, and then every refused request was ASP.NET's own 500 ("No
        // authenticationScheme was specified, and there was no DefaultChallengeScheme found") instead of a 401.
        await using var app = Build(services => services.AddAuthentication());
        app.MapDreamingAgentView().RequireHost("*");

        var error = Assert.Throws<InvalidOperationException>(() => Endpoints(app));
        Assert.Contains("no default challenge scheme", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddAuthentication().AddCookie()", error.Message, StringComparison.Ordinal);
        Assert.Contains("AllowAnonymous", error.Message, StringComparison.Ordinal);

        await using var anonymous = Build(services => services.AddAuthentication());
        anonymous.MapDreamingAgentView(configure: options => options.AllowAnonymous = true);
        Assert.NotEmpty(Endpoints(anonymous));
    }

    [Fact]
    public async Task Two_schemes_and_no_default_fail_when_the_views_endpoints_are_built_unless_its_policy_names_a_scheme()
    {
        await using var app = Build(services => services.AddAuthentication().AddCookie("staff-cookie").AddCookie("customer-cookie"));
        app.MapDreamingAgentView();

        var error = Assert.Throws<InvalidOperationException>(() => Endpoints(app));
        Assert.Contains("no default challenge scheme", error.Message, StringComparison.Ordinal);
        Assert.Contains("AuthorizationPolicy", error.Message, StringComparison.Ordinal);

        await using var staff = Build(services => services
            .AddAuthorization(options => options.AddPolicy("staff", policy => policy.AddAuthenticationSchemes("staff-cookie").RequireAuthenticatedUser()))
            .AddAuthentication().AddCookie("staff-cookie").AddCookie("customer-cookie"));
        staff.MapDreamingAgentView("/staff", options => options.AuthorizationPolicy = "staff");
        Assert.Equal(HttpStatusCode.Redirect, await AnonymousStatusAsync(staff, "/staff/"));
    }

    private static List<Endpoint> Endpoints(WebApplication app) => ((IEndpointRouteBuilder)app).DataSources.SelectMany(source => source.Endpoints).ToList();

    private static WebApplication Build(Action<IServiceCollection> authentication)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddDreamingAgents();
        builder.Services.AddAuthorization();
        authentication(builder.Services);
        return builder.Build();
    }

    private static async Task<HttpStatusCode> AnonymousStatusAsync(WebApplication app, string path)
    {
        await app.StartAsync();
        using var client = app.GetTestClient();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        return response.StatusCode;
    }

    private sealed class Unauthorized : IAuthorizationMiddlewareResultHandler
    {
        public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
        {
            if (authorizeResult.Succeeded)
            {
                return next(context);
            }

            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        }
    }
}

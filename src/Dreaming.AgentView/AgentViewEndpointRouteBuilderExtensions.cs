using Dreaming;
using Dreaming.AgentView;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Dreaming agent view into an ASP.NET Core app.</summary>
public static class AgentViewEndpointRouteBuilderExtensions
{
    /// <summary>The path the view is mapped at when none is given.</summary>
    public const string DefaultPattern = "/dreaming";

    /// <summary>Maps the agent view, a dashboard of the app's Dreaming data, under <paramref name="pattern"/>: sessions
    /// grouped by state, each session's timeline, and the other pages docs/agent-view.md lists.</summary>
    /// <param name="endpoints">The app's endpoints (a <c>WebApplication</c>).</param>
    /// <param name="pattern">The path the view is mapped at, such as <c>"/dreaming"</c> (the default) or
    /// <c>"/admin/agents"</c>. The view's pages are under it.</param>
    /// <param name="configure">Sets the view's options: by default every page requires the host's default authorization
    /// policy (see <see cref="AgentViewOptions"/>).</param>
    /// <returns>The view's route group, to add conventions to (another policy with <c>RequireAuthorization</c>, rate
    /// limiting, a host filter).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> or <paramref name="pattern"/> is
    /// <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="pattern"/> does not start with '/', or holds a route parameter
    /// or a query; or an option is out of range (<see cref="AgentViewOptions.Validate"/>).</exception>
    /// <exception cref="InvalidOperationException">The app did not call <c>AddDreamingAgents()</c>, or the view requires
    /// authorization and the app did not call <c>AddAuthorization()</c>, or <c>AddAuthentication()</c>. When the view's
    /// endpoints are built (the first request), once every convention is applied, an <see cref="InvalidOperationException"/>
    /// names the fix when the app's authentication has no default challenge scheme and no policy of the view names one.</exception>
    /// <remarks>The pages read the app's registered stores (<see cref="ITraceStore"/>, <see cref="IMemoryStore"/>,
    /// <see cref="IDreamRunStore"/>) through the request's services, so they show what the app records, on whichever store
    /// it uses. Every response carries a content security policy that allows no script, and is not cached.</remarks>
    public static IEndpointConventionBuilder MapDreamingAgentView(this IEndpointRouteBuilder endpoints, string pattern = DefaultPattern, Action<AgentViewOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        var basePattern = Normalize(pattern);
        var options = new AgentViewOptions();
        configure?.Invoke(options);
        options.Validate();

        var services = endpoints.ServiceProvider;
        if (services.GetService<ITraceStore>() is null)
        {
            throw new InvalidOperationException("MapDreamingAgentView needs the Dreaming services: call services.AddDreamingAgents() (and the store it should show, such as UseSqliteStore) before building the app.");
        }

        if (!options.AllowAnonymous && services.GetService<IAuthorizationPolicyProvider>() is null)
        {
            throw new InvalidOperationException("MapDreamingAgentView requires an authorized user by default, but the app has no authorization services: call services.AddAuthorization() (and an authentication scheme), or set AgentViewOptions.AllowAnonymous where the network itself protects the view.");
        }

        if (!options.AllowAnonymous && !HasAuthentication(services))
        {
            // Without it every request the policy refuses (an anonymous one first of all) fails with a 500 when
            // authorization challenges or forbids, instead of a 401 or a 403.
            throw new InvalidOperationException("MapDreamingAgentView requires an authorized user by default, but the app has no authentication services to sign a user in with, so every refused request would fail (500) instead of being challenged (401) or forbidden (403): call services.AddAuthentication() with a scheme (such as AddAuthentication().AddCookie()), or set AgentViewOptions.AllowAnonymous where the network itself protects the view.");
        }

        var group = endpoints.MapGroup(basePattern);
        if (options.AllowAnonymous)
        {
            group.AllowAnonymous();
        }
        else
        {
            if (options.AuthorizationPolicy is { } policy)
            {
                group.RequireAuthorization(policy);
            }
            else
            {
                group.RequireAuthorization();
            }

            // Checked once every convention is applied: one on the returned group, or an outer group's policy, may name
            // the scheme to challenge with.
            ((IEndpointConventionBuilder)group).Finally(RequireChallengeScheme);
        }

        group.ExcludeFromDescription();
        AgentViewRoutes.Map(group, options, basePattern);
        return group;
    }

    // Whether the app called AddAuthentication(), without resolving the scoped IAuthenticationService: resolving it from
    // the root provider throws where scopes are validated (Development), which failed the app's start. A container without
    // IServiceProviderIsService is asked for the scheme provider AddAuthentication() registers with it, a singleton: a
    // scope made to resolve the service would have to be disposed synchronously here, which throws for a scoped service
    // that disposes only asynchronously.
    private static bool HasAuthentication(IServiceProvider services) =>
        services.GetService<IServiceProviderIsService>() is { } isService
            ? isService.IsService(typeof(IAuthenticationService))
            : services.GetService<IAuthenticationSchemeProvider>() is not null;

    // AddAuthentication() with no scheme (or several, none the default) and a policy that names none: the refused request's
    // challenge finds no scheme, and ASP.NET answers it with its own 500 ("No authenticationScheme was specified, and
    // there was no DefaultChallengeScheme found"). The endpoint's policy is combined as the authorization middleware
    // combines it, from every convention (the view's, the returned group's, an outer group's). An app's own scheme provider
    // or result handler may answer without a default scheme: it is not second-guessed. Runs when the endpoints are built
    // (the first request), as ASP.NET's own checks of an endpoint do; the built-in providers answer at once.
    private static void RequireChallengeScheme(EndpointBuilder endpoint)
    {
        var services = endpoint.ApplicationServices;
        if (endpoint.Metadata.Any(static item => item is IAllowAnonymous)
            || services.GetService<IAuthenticationSchemeProvider>() is not { } schemes
            || schemes.GetType() != typeof(AuthenticationSchemeProvider)
            || services.GetService<IAuthorizationMiddlewareResultHandler>() is { } handler && handler.GetType() != typeof(AuthorizationMiddlewareResultHandler)
            || schemes.GetDefaultChallengeSchemeAsync().GetAwaiter().GetResult() is not null)
        {
            return;
        }

        AuthorizationPolicy? policy;
        try
        {
            policy = AuthorizationPolicy.CombineAsync(
                services.GetRequiredService<IAuthorizationPolicyProvider>(),
                endpoint.Metadata.OfType<IAuthorizeData>(),
                endpoint.Metadata.OfType<AuthorizationPolicy>()).GetAwaiter().GetResult();
        }
        catch (InvalidOperationException)
        {
            // An unknown policy fails as ASP.NET reports it, on the view's requests.
            return;
        }

        if (policy is null || policy.AuthenticationSchemes.Count > 0)
        {
            return;
        }

        throw new InvalidOperationException("MapDreamingAgentView requires an authorized user by default, but the app's authentication has no default challenge scheme (AddAuthentication() was called with no scheme, or with several and none named the default), and no policy of the view names one, so every refused request would fail (500, 'No authenticationScheme was specified') instead of being challenged (401): add a scheme (such as AddAuthentication().AddCookie()), name the default one (AddAuthentication(\"name\")), or give AgentViewOptions.AuthorizationPolicy (or RequireAuthorization on the view's group) a policy that names its schemes (AddAuthenticationSchemes); or set AgentViewOptions.AllowAnonymous where the network itself protects the view.");
    }

    private static string Normalize(string pattern)
    {
        if (!pattern.StartsWith('/'))
        {
            throw new ArgumentException($"The agent view's path '{pattern}' must start with '/', such as \"/dreaming\".", nameof(pattern));
        }

        if (pattern.IndexOfAny(['{', '}', '?', '#', '*']) >= 0)
        {
            throw new ArgumentException($"The agent view's path '{pattern}' must be a plain path, without route parameters, a query or a fragment.", nameof(pattern));
        }

        return pattern.TrimEnd('/');
    }
}

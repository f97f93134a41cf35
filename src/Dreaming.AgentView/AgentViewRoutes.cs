using Dreaming.AgentView.Pages;
using Dreaming.AgentView.Rendering;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dreaming.AgentView;

/// <summary>The view's routes under its group: one line per page.</summary>
internal static class AgentViewRoutes
{
    /// <summary>Maps the pages.</summary>
    /// <param name="group">The view's route group.</param>
    /// <param name="options">The view's options.</param>
    /// <param name="basePattern">The pattern the group is mapped at, without a trailing '/' ("" for the root).</param>
    public static void Map(RouteGroupBuilder group, AgentViewOptions options, string basePattern)
    {
        group.MapGet("/", (HttpContext http) => OverviewPage.WriteAsync(View(http, options, basePattern)));
        group.MapGet("/sessions", (HttpContext http) => SessionsPage.WriteAsync(View(http, options, basePattern)));
        group.MapGet("/sessions/{id}", (HttpContext http) => SessionDetailPage.WriteAsync(View(http, options, basePattern)));
        var review = options.ReadOnly ? null : MemoryReview.Create(((IEndpointRouteBuilder)group).ServiceProvider);
        group.MapGet("/memory", (HttpContext http) => MemoryScopesPage.WriteAsync(View(http, options, basePattern)));
        group.MapGet("/memory/{scope}", (HttpContext http, string scope) => MemoryScopePage.WriteAsync(View(http, options, basePattern), scope));
        group.MapGet("/memory/versions/{id}", (HttpContext http, string id) => MemoryVersionPage.WriteAsync(View(http, options, basePattern), id, review));
        foreach (var action in MemoryReview.Actions)
        {
            group.MapPost("/memory/versions/{id}/" + action, (HttpContext http, string id) => MemoryReview.PostAsync(review, View(http, options, basePattern), id, action)).DisableAntiforgery();
        }

        group.MapGet("/runs", (HttpContext http) => DreamRunsPage.WriteAsync(View(http, options, basePattern)));
        group.MapGet("/runs/{id}", (HttpContext http, string id) => DreamRunDetailPage.WriteAsync(View(http, options, basePattern), id));
        group.MapGet("/" + AgentsPage.Path, (HttpContext http) => AgentsPage.WriteAsync(View(http, options, basePattern)));
        group.MapGet(AgentPage.Route, (HttpContext http) => AgentPage.WriteAsync(View(http, options, basePattern)));
        group.MapGet("/webhooks", (HttpContext http) => WebhooksPage.WriteAsync(View(http, options, basePattern), review));
        group.MapGet("/webhooks/deliveries/{id}", (HttpContext http, string id) => WebhookDeliveryPage.WriteAsync(View(http, options, basePattern), id, review));
        group.MapPost("/webhooks/deliveries/{id}/replay", (HttpContext http, string id) => WebhookActions.ReplayAsync(review, View(http, options, basePattern), id)).DisableAntiforgery();
        group.MapPost("/webhooks/replay-dead", (HttpContext http) => WebhookActions.ReplayDeadAsync(review, View(http, options, basePattern))).DisableAntiforgery();
        group.MapPost("/webhooks/endpoints/{id}/enable", (HttpContext http, string id) => WebhookActions.SetEndpointAsync(review, View(http, options, basePattern), id, enable: true)).DisableAntiforgery();
        group.MapPost("/webhooks/endpoints/{id}/disable", (HttpContext http, string id) => WebhookActions.SetEndpointAsync(review, View(http, options, basePattern), id, enable: false)).DisableAntiforgery();
        group.MapGet("/" + AgentViewStyles.Path, (HttpContext http) =>
        {
            AgentViewLayout.SetHeaders(http.Response);
            http.Response.ContentType = "text/css; charset=utf-8";
            return http.Response.WriteAsync(AgentViewStyles.Css, http.RequestAborted);
        });
    }

    /// <summary>The request's context: the host's path base plus the view's pattern is where its links start.</summary>
    /// <param name="http">The request.</param>
    /// <param name="options">The view's options.</param>
    /// <param name="basePattern">The view's pattern.</param>
    public static AgentViewContext View(HttpContext http, AgentViewOptions options, string basePattern) =>
        new(http, options, http.Request.PathBase.Value + basePattern);
}

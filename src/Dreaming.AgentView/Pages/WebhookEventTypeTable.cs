using Dreaming.AgentView.Rendering;

namespace Dreaming.AgentView.Pages;

/// <summary>The webhooks page's table of event types: for each type of the catalogue (<see cref="WebhookEventTypes.All"/>),
/// the endpoints of this app that subscribe to it, or none. An event no endpoint subscribes to is never written to the
/// outbox (nor counted anywhere), so without this table a type with no delivery could mean that no endpoint wanted it or
/// that nothing happened. Costs no store read: it is the app's configuration.</summary>
internal static class WebhookEventTypeTable
{
    /// <summary>What a type no endpoint subscribes to says.</summary>
    public const string NotWritten = "none: not written to the outbox";

    /// <summary>Writes the section, when the app configures endpoints (an app without any writes no event itself).</summary>
    /// <param name="html">The page.</param>
    /// <param name="configured">The app's endpoints.</param>
    public static void Write(HtmlWriter html, IReadOnlyList<WebhookEndpoint> configured)
    {
        if (configured.Count == 0)
        {
            return;
        }

        html.Raw("<section id=\"event-types\">").Element("h3", "Event types")
            .Element("p", "An event of a type no endpoint of this app subscribes to is not written to the outbox, nor counted: that no delivery of such a type is listed below says nothing about whether one happened.", "muted")
            .Raw("<table class=\"event-types\"><thead><tr><th>Event type</th><th>Endpoints that subscribe</th></tr></thead><tbody>");
        foreach (var type in WebhookEventTypes.All)
        {
            var endpoints = configured.Where(e => e.Subscribes(type))
                .Select(e => e.Enabled ? e.Id : e.Id + " (disabled in configuration: its deliveries become dead letters)").ToList();
            html.Raw("<tr><td>").Text(type).Raw("</td><td").Raw(endpoints.Count == 0 ? " class=\"muted\">" : ">")
                .Text(endpoints.Count == 0 ? NotWritten : string.Join(", ", endpoints)).Raw("</td></tr>");
        }

        html.Raw("</tbody></table></section>");
    }
}

using System.Net;
using System.Text.Json.Nodes;
using AngleSharp.Html.Dom;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dreaming.AgentView.Tests;

/// <summary>Webhook test data: an app with endpoints whose dispatcher does not run (so what the tests seed stays as
/// seeded), deliveries in each state, and the view's action forms posted as a browser posts them.</summary>
internal static class TestWebhooks
{
    public const string OpsSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    public const string AuditSecret = "whsec_c2VjcmV0LWF1ZGl0LWtleS0xMjM0NTY3ODkwYWJjZA==";

    public const string OpsQueryToken = "tok-QUERY-9f8e7d";

    public static readonly DateTimeOffset At = new(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);

    /// <summary>AddWebhooks with two endpoints ("ops" with a token in its query, "audit" disabled in configuration), the
    /// dispatcher registered (the page sees an app that sends webhooks) but its loop not started.</summary>
    public static void AddEndpoints(IServiceCollection services)
    {
        services.AddDreamingAgents().AddWebhooks(options =>
        {
            var ops = new WebhookEndpoint { Id = "ops", Url = "https://hooks.example.com/in?token=" + OpsQueryToken };
            ops.Secrets.Add(OpsSecret);
            options.Endpoints.Add(ops);
            var audit = new WebhookEndpoint { Id = "audit", Url = "https://audit.example.com/hooks", Enabled = false, DisabledReason = "paused for migration" };
            audit.Secrets.Add(AuditSecret);
            audit.Events.Add("memory.*");
            options.Endpoints.Add(audit);
        });
        WithoutDispatcherLoop(services);
    }

    /// <summary>Keeps the dispatcher registered but does not run it as a hosted service.</summary>
    public static void WithoutDispatcherLoop(IServiceCollection services)
    {
        foreach (var loop in services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationFactory?.Method.ReturnType == typeof(WebhookDispatcher)).ToList())
        {
            services.Remove(loop);
        }
    }

    public static IWebhookOutboxStore Outbox(this AgentViewHost host) => host.Services.GetRequiredService<IWebhookOutboxStore>();

    /// <summary>Writes one event to one endpoint and brings its delivery to <paramref name="state"/>: "pending" (no
    /// attempt), "retrying" (a 503, retried), "dead" (a refused connection, no retry left) or "delivered" (a 200).</summary>
    public static async Task<WebhookDelivery> SeedAsync(this IWebhookOutboxStore outbox, string state, string endpointId = "ops", string type = WebhookEventTypes.SessionFailed, string? error = null, int minutes = 0)
    {
        var webhookEvent = new WebhookEvent { Id = WebhookEvent.NewId(), Type = type, Timestamp = At.AddMinutes(minutes), Data = new JsonObject { ["session_id"] = "s-" + minutes } };
        var delivery = (await outbox.EnqueueAsync(webhookEvent, [endpointId]))[0];
        var attempted = At.AddMinutes(minutes + 1);
        WebhookAttemptResult? result = state switch
        {
            "retrying" => new() { DeliveryId = delivery.Id, AttemptedAt = attempted, StatusCode = 503, Error = error ?? "HTTP 503", NextAttemptAt = attempted.AddMinutes(5) },
            "dead" => new() { DeliveryId = delivery.Id, AttemptedAt = attempted, Error = error ?? "connection refused" },
            "delivered" => new() { DeliveryId = delivery.Id, AttemptedAt = attempted, Delivered = true, StatusCode = 200 },
            _ => null,
        };
        return result is null ? delivery : (await outbox.RecordAttemptAsync(result)).Delivery;
    }

    /// <summary>GETs <paramref name="page"/> as <paramref name="user"/> and returns what POSTs the form of class
    /// <paramref name="formClass"/> (the first, or the one whose action ends with <paramref name="actionEnd"/>) as a
    /// browser would, with the page's cookie; <paramref name="postTo"/> posts it elsewhere.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(this AgentViewHost host, string page, string formClass, string? actionEnd = null, string? reason = null, string user = "alice", bool withToken = true, string? postTo = null)
    {
        using var client = host.Client(user);
        using var get = await client.GetAsync(new Uri(page, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        var document = await AgentViewHost.ParseAsync(await get.Content.ReadAsStringAsync());
        var form = document.QuerySelectorAll($"form.{formClass}").OfType<IHtmlFormElement>()
            .FirstOrDefault(f => actionEnd is null || f.GetAttribute("action")!.EndsWith(actionEnd, StringComparison.Ordinal));
        Assert.True(form is not null, $"no form.{formClass} on {page}");
        // Every hidden field, as a browser sends them; the first is the antiforgery token.
        var fields = form.QuerySelectorAll("input[type=hidden]").Skip(withToken ? 0 : 1)
            .Select(input => new KeyValuePair<string, string>(input.GetAttribute("name")!, input.GetAttribute("value")!)).ToList();

        if (reason is not null)
        {
            fields.Add(new("reason", reason));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(postTo ?? form.GetAttribute("action")!, UriKind.Relative)) { Content = new FormUrlEncodedContent(fields) };
        if (get.Headers.TryGetValues("Set-Cookie", out var cookies))
        {
            request.Headers.Add("Cookie", string.Join("; ", cookies.Select(c => c.Split(';')[0])));
        }

        return await client.SendAsync(request);
    }

    /// <summary>The text of the page's error message.</summary>
    public static async Task<string?> ErrorAsync(HttpResponseMessage response) =>
        (await AgentViewHost.ParseAsync(await response.Content.ReadAsStringAsync())).QuerySelector("p.error-message")?.TextContent;

    /// <summary>A logger provider that keeps what is logged.</summary>
    public sealed class RecordingLogs : ILoggerProvider
    {
        public List<(string Category, LogLevel Level, string Message)> Entries { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(RecordingLogs logs, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (logs.Entries)
                {
                    logs.Entries.Add((category, logLevel, formatter(state, exception)));
                }
            }
        }
    }
}

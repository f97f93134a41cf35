using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Dreaming.Sqlite.Tests.Webhooks;

/// <summary>One request the receiver got, with the signature checked by the test's own HMAC code (not the library's).</summary>
internal sealed record ReceivedWebhook(string Id, string Timestamp, string Signature, string Body, string Path, bool SignatureValid);

/// <summary>A real Kestrel server on 127.0.0.1 that records every webhook and answers as the test says.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly byte[] _key;
    private WebApplication? _app;

    private WebhookReceiver(string secret) => _key = Convert.FromBase64String(secret["whsec_".Length..]);

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    /// <summary>Gets or sets how the receiver answers; 200 by default.</summary>
    public Func<HttpContext, ReceivedWebhook, Task> Respond { get; set; } = static (context, _) =>
    {
        context.Response.StatusCode = 200;
        return Task.CompletedTask;
    };

    public int Port { get; private set; }

    public string Url => $"http://127.0.0.1:{Port}/hook";

    public static async Task<WebhookReceiver> StartAsync(string secret, int port = 0)
    {
        var receiver = new WebhookReceiver(secret);
        await receiver.StartOnAsync(port);
        return receiver;
    }

    public async Task StartOnAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var id = context.Request.Headers["webhook-id"].ToString();
            var timestamp = context.Request.Headers["webhook-timestamp"].ToString();
            var signature = context.Request.Headers["webhook-signature"].ToString();
            var received = new ReceivedWebhook(id, timestamp, signature, body, context.Request.Path, IndependentlyValid(id, timestamp, signature, body));
            Received.Enqueue(received);
            await Respond(context, received);
        });
        await app.StartAsync();
        Port = new Uri(app.Urls.First()).Port;
        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>The Standard Webhooks check written out by hand: HMAC-SHA256 of "id.timestamp.body" with the decoded key,
    /// base64, compared with each "v1," entry.</summary>
    private bool IndependentlyValid(string id, string timestamp, string signature, string body)
    {
        using var hmac = new HMACSHA256(_key);
        var expected = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(id + "." + timestamp + "." + body)));
        return signature.Split(' ').Any(entry => entry == "v1," + expected);
    }
}

using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dreaming.AspNetCore.Tests;

/// <summary>A minimal-API app on a real Kestrel (127.0.0.1, a free port), with its log kept for the test.</summary>
internal sealed class WebApp : IAsyncDisposable
{
    private WebApp(WebApplication app, LogSink log)
    {
        App = app;
        Log = log;
    }

    public WebApplication App { get; }

    public LogSink Log { get; }

    public HttpClient Client { get; private set; } = null!;

    public IServiceProvider Services => App.Services;

    /// <summary>Builds the app as an adopter's Program.cs would (Development, so scopes are validated on build),
    /// with <paramref name="services"/> registering and <paramref name="map"/> mapping, and starts it.</summary>
    public static async Task<WebApp> StartAsync(Action<WebApplicationBuilder> services, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var log = new LogSink();
        builder.Logging.AddProvider(log);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        services(builder);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        // A browser that goes away closes its connection; HttpClient would drain the rest of the response for up to 2 s.
        return new WebApp(app, log) { Client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) } };
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync();
    }
}

/// <summary>Keeps every log entry of the app.</summary>
internal sealed class LogSink : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Category, EventId Id, string Message, Exception? Exception)> Entries { get; } = new();

    /// <summary>The entries at warning or above, one line each, to show in an assertion.</summary>
    public IReadOnlyList<string> Problems(LogLevel atLeast = LogLevel.Warning) =>
        [.. Entries.Where(e => e.Level >= atLeast).Select(e => $"{e.Level} {e.Category}[{e.Id.Id}] {e.Message} {e.Exception?.GetType().Name}: {e.Exception?.Message} {e.Exception?.InnerException?.GetType().Name}: {e.Exception?.InnerException?.Message}")];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Entries.Enqueue((logLevel, category, eventId, formatter(state, exception), exception));
    }
}

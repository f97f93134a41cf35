using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dreaming.Cli.Commands;

/// <summary><c>dreaming view [--port N] [--read-only] [--by NAME]</c>: serves the agent view (the Dreaming.AgentView dashboard) of the
/// database on this machine's loopback address until Ctrl+C.</summary>
/// <remarks>The view is served without sign-in (<c>AllowAnonymous</c>), which is why it listens on 127.0.0.1 only: another
/// machine cannot reach it. An app that serves the view to others maps it itself, behind its authorization policy
/// (docs/agent-view.md).</remarks>
internal static partial class ViewCommand
{
    /// <summary>The log category of what the tool serves.</summary>
    public const string LogCategory = "Dreaming.Cli.View";

    /// <summary>The port when none is given.</summary>
    public const int DefaultPort = 5005;

    public static Command Create(CommonOptions common, TextWriter output, TextWriter error)
    {
        var port = CommonOptions.InRange(new Option<int>("--port") { Description = "The port to listen on, on 127.0.0.1 only (0 picks a free one; the address is printed).", DefaultValueFactory = _ => DefaultPort }, 0, 65535);
        var readOnly = new Option<bool>("--read-only") { Description = "Show memory versions without the approve, reject and rollback forms, and webhooks without the replay, enable and disable forms." };
        var by = MemoryCommand.ByOption();
        var command = new Command("view", "Serve the agent view of the database (sessions by state, a session's timeline, outcomes, dream runs, memory versions and their review, charts per agent, webhook deliveries) at http://127.0.0.1:PORT/ until Ctrl+C. It listens on this machine's loopback address only, without sign-in.")
        {
            port, readOnly, by,
        };
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            var database = common.DatabaseOf(parse);
            var components = await CliServices.RequireDatabaseAsync(database, ct).ConfigureAwait(false);
            var reviewer = parse.GetValue(by)!;
            await using var app = Build(database, components, parse.GetValue(port), parse.GetValue(readOnly), reviewer, output);
            try
            {
                await app.StartAsync(ct).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw new IOException($"The agent view cannot listen on 127.0.0.1:{parse.GetValue(port)}: {ex.Message} Pass --port with another port (0 picks a free one).", ex);
            }

            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            await output.WriteLineAsync($"agent view of {database.Display}: {address}/ (this machine only; Ctrl+C stops it)").ConfigureAwait(false);
            await output.FlushAsync(ct).ConfigureAwait(false);
            var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(LogCategory);
            LogServing(log, database.Display, database.IsPostgres ? "PostgreSQL" : "SQLite", address + "/", parse.GetValue(readOnly) ? "read-only" : $"reviews and webhook actions recorded as '{reviewer}'");
            try
            {
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C is how the view is meant to stop: stop the server and say so, exit code 0.
            }

            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await output.WriteLineAsync("agent view stopped").ConfigureAwait(false);
            return 0;
        }).ConfigureAwait(false));
        return command;
    }

    private static WebApplication Build(CliDatabase database, SchemaComponents? components, int port, bool readOnly, string reviewer, TextWriter output)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "dreaming", ContentRootPath = AppContext.BaseDirectory });
        // The console log: what is served, and each action taken in the view (with the user's name) at information; the
        // server's own warnings and errors (a request that failed); the key ring's notes on where it keeps its keys are not.
        builder.Logging.ClearProviders().AddProvider(new ViewLog(output)).SetMinimumLevel(LogLevel.Warning)
            .AddFilter(LogCategory, LogLevel.Information).AddFilter("Dreaming.AgentView", LogLevel.Information)
            .AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        builder.WebHost.UseKestrelCore().UseUrls($"http://127.0.0.1:{port}");
        // As 'dreaming memory approve' does: a review's webhook events are written for the app's dispatcher on the database.
        database.Use(builder.Services.AddDreamingAgents(), unroutedWebhooks: true);
        // As the other commands that read: a PostgreSQL store whose tables the schema lacks shows nothing, and creates none.
        CliServices.ReadMissingAsEmpty(builder.Services, components);
        // Loopback alone does not keep other sites out: a page whose domain an attacker rebinds to 127.0.0.1 (DNS
        // rebinding) is same-origin with the view, and could read sessions and post reviews. Its requests carry that
        // domain in Host, so only the loopback names are served (400 otherwise), by the host filtering every WebApplication
        // runs (it allows any host unless told).
        builder.Services.Configure<HostFilteringOptions>(options =>
        {
            options.AllowedHosts = ["127.0.0.1", "localhost", "[::1]"];
            options.AllowEmptyHosts = false;
        });
        var app = builder.Build();
        app.MapDreamingAgentView("/", options =>
        {
            options.AllowAnonymous = true;
            options.ReadOnly = readOnly;
            // No one signs in: the reviews made in it are recorded as --by's, as 'dreaming memory approve' records them.
            options.ReviewerName = _ => reviewer;
        });
        return app;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Serving the agent view of {Database} ({Store}) at {Url} ({Mode}).")]
    private static partial void LogServing(ILogger logger, string database, string store, string url, string mode);
}

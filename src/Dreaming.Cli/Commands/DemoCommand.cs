using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Dreaming.Cli.Demo;
using Dreaming.Cli.Output;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Cli.Commands;

/// <summary><c>dreaming demo</c>: an offline end-to-end run of a simulated agent, recorded into the database.</summary>
internal static class DemoCommand
{
    public static Command Create(CommonOptions common, TextWriter output, TextWriter error)
    {
        var command = new Command("demo", "Run a simulated support agent (a deterministic fake model, offline) through a set of tasks and record its sessions.");
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            var database = parse.GetValue(common.Database)!;
            var json = parse.GetValue(common.Json);
            var runs = new List<DemoRun>();
            var watch = Stopwatch.StartNew();

            var services = new ServiceCollection();
            services.AddDreamingAgents().UseSqliteStore(CliServices.ToConnectionString(database));
            services.AddChatClient(new SimulatedAgentChatClient())
                .UseDreaming()
                .UseFunctionInvocation(configure: f => f.IncludeDetailedErrors = true);
            await using (var provider = services.BuildServiceProvider())
            {
                var sessions = provider.GetRequiredService<IAgentSessionFactory>();
                var chat = provider.GetRequiredService<IChatClient>();
                var store = provider.GetRequiredService<ITraceStore>();
                if (!json)
                {
                    output.WriteLine("dreaming demo: a SIMULATED agent (deterministic fake model, no network) works through "
                        + DemoTasks.All.Count.ToString(CultureInfo.InvariantCulture) + " support tasks.");
                    output.WriteLine();
                }

                foreach (var task in DemoTasks.All)
                {
                    runs.Add(await RunTaskAsync(sessions, chat, store, task, ct).ConfigureAwait(false));
                    if (!json)
                    {
                        var run = runs[^1];
                        output.WriteLine(string.Create(
                            CultureInfo.InvariantCulture,
                            $"  {run.SessionId}  {(run.Succeeded ? "success" : "failure"),-7}  {run.ToolCalls} tool calls, {run.ToolErrors} errors  {Text.Cut(run.Task, 60)}"));
                    }
                }
            }

            var summary = new
            {
                simulated = true,
                model = SimulatedAgentChatClient.ModelId,
                database = CliServices.FullPath(database),
                sessions = runs.Count,
                events = runs.Sum(r => r.Events),
                toolCalls = runs.Sum(r => r.ToolCalls),
                toolErrors = runs.Sum(r => r.ToolErrors),
                successes = runs.Count(r => r.Succeeded),
                elapsedMs = watch.ElapsedMilliseconds,
                runs,
            };
            if (json)
            {
                CliJson.Write(output, summary);
                return 0;
            }

            output.WriteLine();
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"recorded {summary.sessions} sessions ({summary.successes} succeeded), {summary.events} events, {summary.toolCalls} tool calls, {summary.toolErrors} tool errors"));
            output.WriteLine("into " + summary.database);
            output.WriteLine("secrets in the tasks (an API key, e-mail addresses) were redacted before storage.");
            output.WriteLine();
            output.WriteLine("next:  dreaming sessions --db " + database);
            output.WriteLine("       dreaming session show " + runs[0].SessionId + " --db " + database);
            return 0;
        }).ConfigureAwait(false));
        return command;
    }

    private static async Task<DemoRun> RunTaskAsync(IAgentSessionFactory sessions, IChatClient chat, ITraceStore store, string task, CancellationToken cancellationToken)
    {
        await using var session = sessions.StartSession(DemoTasks.AgentId, task);
        var response = await chat.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "You are a support agent. Use the tools."), new ChatMessage(ChatRole.User, task)],
            new ChatOptions { Tools = DemoShop.Tools },
            cancellationToken).ConfigureAwait(false);
        var succeeded = !response.Text.StartsWith("I could not", StringComparison.Ordinal);
        await session.CompleteAsync(
            succeeded ? SessionStatus.Completed : SessionStatus.Failed,
            succeeded ? SessionOutcome.Succeeded(1.0, "demo") : SessionOutcome.Failed(0.0, "demo"),
            cancellationToken).ConfigureAwait(false);

        var events = await store.GetEventsAsync(session.Id, cancellationToken).ConfigureAwait(false);
        return new DemoRun(
            session.Id,
            session.Task,
            succeeded,
            events.Count,
            events.OfType<ToolCallEvent>().Count(),
            events.OfType<ToolResultEvent>().Count(r => r.IsError),
            response.Text);
    }

    private sealed record DemoRun(string SessionId, string Task, bool Succeeded, int Events, int ToolCalls, int ToolErrors, string Answer);
}

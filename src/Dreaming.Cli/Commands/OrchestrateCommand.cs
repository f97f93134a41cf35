using System.CommandLine;
using System.Globalization;
using Dreaming.Cli.Demo;
using Dreaming.Cli.Model;
using Dreaming.Cli.Orchestration;
using Dreaming.Cli.Output;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Cli.Commands;

/// <summary><c>dreaming orchestrate --plan FILE</c>: runs a plan of work items on several agents, independent items in parallel.</summary>
/// <remarks>Without a configured model the agents are simulated (a deterministic fake model). Exit code 0 when the run
/// completed, 2 when it ran and did not complete, 1 when the plan is invalid (nothing ran) or another error.</remarks>
internal static class OrchestrateCommand
{
    public const int NotCompletedExitCode = 2;

    public static Command Create(CommonOptions common, TextWriter output, TextWriter error)
    {
        var planFile = new Option<string>("--plan") { Description = "The plan file (JSON: goal, agents, items with dependsOn and an optional rubric).", Required = true };
        var failurePolicy = CommonOptions.Choice(
            new Option<OrchestrationFailurePolicy?>("--on-failure")
            {
                Description = "What a failed item does: stop-run (cancel the rest) or skip-dependents (skip what depends on it, run the rest).",
            },
            shownDefault: OrchestrationFailurePolicy.StopRun);
        var command = new Command("orchestrate", "Run a plan of work items on several agents, independent items in parallel, each in a child session (simulated agents unless a model is configured).")
        {
            planFile, failurePolicy,
        };
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            var file = await PlanFile.LoadAsync(parse.GetValue(planFile)!, ct).ConfigureAwait(false);
            var json = parse.GetValue(common.Json);
            var settings = common.ModelSettings(parse);
            using var configured = ModelClientFactory.TryCreate(settings);
            var simulated = configured is null;
            var model = configured ?? new SimulatedTeamChatClient(TimeSpan.FromMilliseconds(200));
            var agents = file.Agents.Select(a => new RosterAgent { Name = a.Name, Instructions = a.Instructions, ChatClient = model }).ToList();

            // Checked as the run checks it, before the database is opened or a line is written: an invalid plan writes
            // nothing to standard output (with --json, no half a document) and every problem to standard error.
            // The run is given the plan as checked, its rubric files loaded: it reads none of them again, so a rubric
            // changed or removed after the check (and after the heading lines) can neither fail the run nor grade it
            // with a rubric other than the one checked.
            var check = await file.Plan.ValidateAsync(agents, ct).ConfigureAwait(false);
            check.ThrowIfInvalid();
            var plan = check.Plan!;
            var services = new ServiceCollection();
            var dreaming = common.DatabaseOf(parse).Use(services.AddDreamingAgents());
            if (configured is not null)
            {
                // It also judges the model-judged criteria of the items' rubrics (as 'dreaming grade' does), retrying
                // nothing the endpoint's client has not retried already.
                dreaming.AddGrader(configured, o => o.CallRetries = 0);
            }

            dreaming
                .AddOrchestrator(
                    // The endpoint's client already tries again what may pass (429, 5xx, a dropped connection); an item's
                    // own retry would double those and repeat a 401 or 404 that cannot.
                    configure: configured is null ? null : o => o.ItemRetries = 0,
                    coordinator: configured is null ? null : _ => configured);
            await using var provider = services.BuildServiceProvider();

            // The run's first write would fail on a database that cannot be opened (a server that cannot be reached, a
            // login refused) with "its error is in the log", and the tool writes no log: one read first (which makes the
            // file or the tables, as the run would) says what is wrong, naming the database, before anything runs.
            await provider.GetRequiredService<ITraceStore>().QuerySessionsAsync(new SessionQuery { PageSize = 1 }, ct).ConfigureAwait(false);

            if (!json)
            {
                output.WriteLine(simulated
                    ? "dreaming orchestrate: SIMULATED agents (deterministic fake model, no network); configure a model with --model-endpoint and --model for real work."
                    : $"dreaming orchestrate: agents on {settings.Describe()}");
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"plan: {file.Plan.Items.Count} items, at most {file.Plan.MaxConcurrency} at once; goal: {Text.Cut(Text.OneLine(file.Plan.Goal), 80)}"));
                output.WriteLine();
            }

            var run = await provider.GetRequiredService<IOrchestrator>().RunAsync(
                new OrchestrationRequest
                {
                    Plan = plan,
                    Agents = agents,
                    FailurePolicy = parse.GetValue(failurePolicy) ?? OrchestrationFailurePolicy.StopRun,
                    Scope = file.Scope,
                },
                ct).ConfigureAwait(false);

            if (json)
            {
                OrchestrationOutput.WriteJson(output, run, simulated ? SimulatedTeamChatClient.ModelId : settings.Model!, simulated);
            }
            else
            {
                OrchestrationOutput.WriteTimeline(output, run);
                output.WriteLine();
                output.WriteLine($"status: {OrchestrationNames.Of(run.Status)}{(run.Error is null ? string.Empty : " - " + run.Error)} (session {run.SessionId})");
                if (run.FinalAnswer is not null)
                {
                    output.WriteLine("answer:");
                    output.WriteLine(run.FinalAnswer);
                }
            }

            return run.Status switch
            {
                OrchestrationStatus.Completed => 0,
                OrchestrationStatus.Interrupted when ct.IsCancellationRequested => CommandErrors.CanceledExitCode,
                _ => NotCompletedExitCode,
            };
        }).ConfigureAwait(false));
        return command;
    }
}

using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Dreaming.Cli.Demo;
using Dreaming.Cli.Output;
using Dreaming.Cli.Webhooks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Cli.Commands;

/// <summary><c>dreaming demo</c>: an offline end-to-end run of a simulated agent, recorded into the database.</summary>
internal static class DemoCommand
{
    public static Command Create(CommonOptions common, TextWriter output, TextWriter error)
    {
        var command = new Command("demo", "Run a simulated support agent (a deterministic fake model, offline) through a set of tasks and record its sessions.");
        var webhooks = new CliWebhooks();
        webhooks.AddTo(command);
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            // Never DREAMING_DB's database, which is usually an app's: the demo's sessions and memory are simulated.
            var database = CliServices.RequireFolder(common.DatabaseForSimulatedData(parse, "demo"));
            var json = parse.GetValue(common.Json);
            var runs = new List<DemoRun>();
            var after = new List<DemoRun>();
            DreamRun dream;
            var watch = Stopwatch.StartNew();

            var webhookTarget = webhooks.Read(parse);
            IReadOnlyList<WebhookDelivery> deliveries = [];
            var services = new ServiceCollection();
            var dreaming = services.AddDreamingAgents().UseSqliteStore(CliServices.ToConnectionString(database)).AddOrchestrator();
            if (webhookTarget is { } target)
            {
                CliWebhooks.Configure(dreaming, target, ["demo"]);
            }

            services.AddChatClient(new SimulatedAgentChatClient())
                .UseDreaming()
                .UseFunctionInvocation(configure: f => f.IncludeDetailedErrors = true);
            OutcomeRun loop;
            OrchestrationRun orchestration;
            await using (var provider = services.BuildServiceProvider())
            {
                var since = DateTimeOffset.UtcNow.AddSeconds(-1);
                if (webhookTarget is not null)
                {
                    CliWebhooks.Validate(provider);
                }

                var sessions = provider.GetRequiredService<IAgentSessionFactory>();
                var chat = provider.GetRequiredService<IChatClient>();
                var store = provider.GetRequiredService<ITraceStore>();
                var evaluator = provider.GetRequiredService<IRubricEvaluator>();
                var supportRubric = MarkdownRubricParser.Parse(DemoRubrics.SupportAnswer, "support-answer.md");

                // A file that is not a database (or cannot be written) would fail the first session, after the title, with
                // an error about that session wrapping the store's: one read first says what is wrong, before anything is printed.
                await store.QuerySessionsAsync(new SessionQuery { PageSize = 1 }, ct).ConfigureAwait(false);
                if (!json)
                {
                    output.WriteLine("dreaming demo: a SIMULATED agent (deterministic fake model, no network) works through "
                        + DemoTasks.All.Count.ToString(CultureInfo.InvariantCulture) + " support tasks.");
                    output.WriteLine();
                }

                await RunPhaseAsync("before dreaming", runs).ConfigureAwait(false);
                dream = await provider.GetRequiredService<IDreamConsolidator>()
                    .DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent(DemoTasks.AgentId), MinSessions = 10 }, ct).ConfigureAwait(false);
                if (!json)
                {
                    WriteDream(output, dream);
                }

                await RunPhaseAsync("after dreaming (the sessions receive the new memory)", after).ConfigureAwait(false);

                async Task RunPhaseAsync(string title, List<DemoRun> into)
                {
                    if (!json)
                    {
                        output.WriteLine(title + ":");
                    }

                    foreach (var task in DemoTasks.All)
                    {
                        into.Add(await RunTaskAsync(sessions, chat, store, evaluator, supportRubric, task, ct).ConfigureAwait(false));
                        if (!json)
                        {
                            var run = into[^1];
                            output.WriteLine(string.Create(
                                CultureInfo.InvariantCulture,
                                $"  {run.SessionId}  {(run.Succeeded ? "success" : "failure"),-7}  score {run.Score:0.00}  {run.ToolCalls} tool calls, {run.ToolErrors} errors  {Text.Cut(run.Task, 60)}"));
                        }
                    }

                    if (!json)
                    {
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  pass rate {into.Count(r => r.Succeeded)}/{into.Count}"));
                        output.WriteLine();
                    }
                }

                loop = await RunOutcomeLoopAsync(provider.GetRequiredService<IOutcomeRunner>(), chat, ct).ConfigureAwait(false);
                orchestration = await provider.GetRequiredService<IOrchestrator>().RunAsync(DemoOrchestration.Request(), ct).ConfigureAwait(false);
                if (webhookTarget is not null)
                {
                    // Only this run's deliveries to the demo endpoint: the database may hold a host's outbox too.
                    var outbox = provider.GetRequiredService<IWebhookOutboxStore>();
                    var mine = (await outbox.ListAsync(limit: WebhookOutboxRules.MaxListLimit, cancellationToken: ct).ConfigureAwait(false))
                        .Where(d => d.EndpointId == "demo" && d.CreatedAt >= since)
                        .Select(d => d.Id)
                        .ToList();
                    deliveries = await CliWebhooks.DeliverAsync(provider, mine, ct).ConfigureAwait(false);
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
                passRateBefore = Math.Round((double)runs.Count(r => r.Succeeded) / runs.Count, 4),
                passRateAfter = Math.Round((double)after.Count(r => r.Succeeded) / after.Count, 4),
                dream = new
                {
                    runId = dream.Id,
                    status = dream.Status.ToString().ToUpperInvariant(),
                    findings = dream.Results.Report.Findings.Count,
                    changes = dream.Results.Report.Changes.Count,
                    outputVersion = dream.Results.OutputVersionId,
                },
                elapsedMs = watch.ElapsedMilliseconds,
                runs,
                runsAfterDream = after,
                outcomeLoop = new
                {
                    sessionId = loop.SessionId,
                    result = OutcomeResultNames.Of(loop.Result),
                    iterations = loop.Evaluations.Select((e, i) => new { iteration = i + 1, score = Math.Round(e.Score, 4), passed = e.Passed }),
                },
                orchestration = DemoOrchestration.Summary(orchestration),
                webhooks = webhookTarget is { } sent ? CliWebhooks.Summary(sent.Url, deliveries) : null,
            };
            if (json)
            {
                CliJson.Write(output, summary);
                return 0;
            }

            output.WriteLine("each answer was graded against the \"Support answer\" rubric (deterministic criteria; the model-judged one is skipped offline).");
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"pass rate before the dream {summary.successes}/{runs.Count}, after it {after.Count(r => r.Succeeded)}/{after.Count} (a simulation of the mechanism, not a claim about real models)"));
            output.WriteLine();
            output.WriteLine("outcome loop: a simulated writer revises a refund summary until it passes the \"Refund summary\" rubric (threshold 0.75):");
            for (var i = 0; i < loop.Evaluations.Count; i++)
            {
                var evaluation = loop.Evaluations[i];
                // A required gap is marked as the agent's feedback marks it: it fails the work whatever the score.
                var gaps = evaluation.Criteria.Where(c => c.Verdict is CriterionVerdict.NotMet or CriterionVerdict.PartiallyMet).Select(c => (c.Criterion.Required ? "[required] " : string.Empty) + c.Criterion.Text).ToList();
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"  iteration {i + 1}: score {evaluation.Score:0.00}, {(evaluation.Passed ? "passed" : "not passed")}{(gaps.Count == 0 ? string.Empty : " - gaps: " + string.Join("; ", gaps))}"));
            }

            output.WriteLine($"  result: {OutcomeResultNames.Of(loop.Result)} (session {loop.SessionId})");
            output.WriteLine();
            DemoOrchestration.Write(output, orchestration);
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"recorded {summary.sessions + after.Count} support sessions and 1 outcome-loop session; before the dream: {summary.events} events, {summary.toolCalls} tool calls, {summary.toolErrors} tool errors"));
            output.WriteLine("into " + summary.database);
            output.WriteLine("secrets in the tasks (an API key, e-mail addresses) were redacted before storage.");
            if (webhookTarget is { } delivered)
            {
                output.WriteLine();
                CliWebhooks.WriteSummary(output, delivered.Url, deliveries);
            }

            output.WriteLine();
            var db = ShellArgument(database);
            output.WriteLine("next:  dreaming sessions --db " + db);
            output.WriteLine("       dreaming session show " + runs[0].SessionId + " --db " + db);
            output.WriteLine("       dreaming report --agent " + DemoTasks.AgentId + " --db " + db);
            output.WriteLine("       dreaming view --db " + db + "    # the agent view (dashboard) in a browser");
            if (webhookTarget is not null)
            {
                output.WriteLine("       dreaming webhooks list --db " + db);
            }

            return 0;
        }).ConfigureAwait(false));
        return command;
    }

    private static void WriteDream(TextWriter output, DreamRun dream)
    {
        var report = dream.Results.Report;
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"dream {dream.Id}: read {dream.Results.SessionIds.Count} sessions ({report.FailedSessions} failed), found {report.Findings.Count} patterns, made {report.Changes.Count} memory changes"));
        foreach (var finding in report.Findings.Take(3))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  finding: {finding.Kind} {finding.Tool} {finding.FailedSessions}/{finding.Sessions} failed  {Text.Cut(Text.OneLine(finding.Signature), 70)}"));
        }

        foreach (var change in report.Changes.Where(c => c.Op == DreamChangeOp.Add).Take(3))
        {
            output.WriteLine($"  lesson:  {Text.Cut(Text.OneLine(change.Text), 110)}");
        }

        output.WriteLine();
    }

    private static Task<OutcomeRun> RunOutcomeLoopAsync(IOutcomeRunner outcomes, IChatClient chat, CancellationToken cancellationToken) =>
        outcomes.RunAsync(
            new OutcomeRequest
            {
                AgentId = "report-writer",
                Task = DemoRubrics.WriterTask,
                Rubric = MarkdownRubricParser.Parse(DemoRubrics.RefundSummary, "refund-summary.md"),
                Agent = async (attempt, ct) =>
                {
                    List<ChatMessage> messages = [new(ChatRole.User, attempt.Task)];
                    if (attempt.Feedback is not null)
                    {
                        messages.Add(new ChatMessage(ChatRole.Assistant, attempt.PreviousArtifact ?? string.Empty));
                        messages.Add(new ChatMessage(ChatRole.User, attempt.Feedback));
                    }

                    return (await chat.GetResponseAsync(messages, cancellationToken: ct).ConfigureAwait(false)).Text;
                },
            },
            cancellationToken);

    private static async Task<DemoRun> RunTaskAsync(IAgentSessionFactory sessions, IChatClient chat, ITraceStore store, IRubricEvaluator evaluator, Rubric rubric, string task, CancellationToken cancellationToken)
    {
        await using var session = sessions.StartSession(DemoTasks.AgentId, task);
        var response = await chat.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "You are a support agent. Use the tools."), new ChatMessage(ChatRole.User, task)],
            new ChatOptions { Tools = DemoShop.Tools },
            cancellationToken).ConfigureAwait(false);
        var evaluation = await evaluator.EvaluateAsync(rubric, response.Text, task, cancellationToken).ConfigureAwait(false);
        var succeeded = evaluation.Passed;
        await session.RecordAsync(
            new OutcomeEvaluationEndedEvent
            {
                Iteration = 1,
                RubricId = rubric.Id,
                Result = OutcomeResultNames.Of(succeeded ? OutcomeResult.Satisfied : OutcomeResult.MaxIterationsReached),
                Score = evaluation.Score,
                Threshold = rubric.PassThreshold,
                Aggregation = RubricAggregationNames.Of(rubric.Aggregation),
                Passed = succeeded,
                Criteria = evaluation.Criteria.Select(OutcomeFeedback.ToRecord).ToList(),
            },
            cancellationToken).ConfigureAwait(false);
        var source = $"rubric:{rubric.Id}@{rubric.Version.ToString(CultureInfo.InvariantCulture)}";
        await session.CompleteAsync(
            succeeded ? SessionStatus.Completed : SessionStatus.Failed,
            succeeded ? SessionOutcome.Succeeded(evaluation.Score, source) : SessionOutcome.Failed(evaluation.Score, source),
            cancellationToken).ConfigureAwait(false);

        var events = await store.GetEventsAsync(session.Id, cancellationToken).ConfigureAwait(false);
        return new DemoRun(
            session.Id,
            session.Task,
            succeeded,
            evaluation.Score,
            events.Count,
            events.OfType<ToolCallEvent>().Count(),
            events.OfType<ToolResultEvent>().Count(r => r.IsError),
            response.Text);
    }

    /// <summary>The path as one shell argument, to paste: as it is when it holds only characters no shell treats
    /// specially, else quoted: in single quotes (a quote in it written <c>'\''</c>), or on Windows, where a path holds no
    /// double quote and cmd knows no single quotes, in double quotes.</summary>
    private static string ShellArgument(string path)
    {
        var windows = OperatingSystem.IsWindows();
        if (path.Length > 0 && path.All(c => char.IsAsciiLetterOrDigit(c) || "_-./:@%+=,".Contains(c, StringComparison.Ordinal) || (windows && c == '\\')))
        {
            return path;
        }

        return windows ? "\"" + path + "\"" : "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    private sealed record DemoRun(string SessionId, string Task, bool Succeeded, double Score, int Events, int ToolCalls, int ToolErrors, string Answer);
}

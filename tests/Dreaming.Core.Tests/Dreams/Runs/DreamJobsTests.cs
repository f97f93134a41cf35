using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

public class DreamJobsTests
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("bot");

    [Fact]
    public async Task A_job_starts_in_the_background_and_can_be_awaited()
    {
        var (jobs, traces, memory, release) = Create();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8));

        var run = await jobs.StartAsync(new DreamRunRequest { Scope = s_scope });

        Assert.Equal(DreamRunStatus.Running, run.Status);
        Assert.Contains(run.Id, jobs.Running);
        release.SetResult();
        var done = await jobs.WaitAsync(run.Id);
        Assert.Equal(DreamRunStatus.Completed, done.Status);
        Assert.Equal(done.Results.OutputVersionId, (await memory.GetActiveVersionAsync(s_scope))!.Id);
    }

    [Fact]
    public async Task Canceling_a_job_stops_it_and_writes_no_memory()
    {
        var (jobs, traces, memory, _) = Create();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8));
        var run = await jobs.StartAsync(new DreamRunRequest { Scope = s_scope });

        var canceled = await jobs.CancelAsync(run.Id);

        Assert.Equal(DreamRunStatus.Canceled, canceled.Status);
        Assert.Null(await memory.GetActiveVersionAsync(s_scope));
        for (var i = 0; i < 200 && jobs.Running.Contains(run.Id); i++)
        {
            await Task.Delay(10);
        }

        Assert.DoesNotContain(run.Id, jobs.Running);
    }

    [Fact]
    public async Task Disposing_synchronously_cancels_a_running_job_and_waits_for_it()
    {
        var (jobs, traces, memory, _) = Create();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8));
        var run = await jobs.StartAsync(new DreamRunRequest { Scope = s_scope });

        jobs.Dispose();

        Assert.Equal(DreamRunStatus.Canceled, (await jobs.WaitAsync(run.Id)).Status);
        Assert.Null(await memory.GetActiveVersionAsync(s_scope));
    }

    [Fact]
    public async Task A_second_job_for_a_scope_that_is_dreaming_gets_the_conflict_at_start()
    {
        var (jobs, traces, _, release) = Create();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8));
        var first = await jobs.StartAsync(new DreamRunRequest { Scope = s_scope });

        var ex = await Assert.ThrowsAsync<DreamConflictException>(() => jobs.StartAsync(new DreamRunRequest { Scope = s_scope }));

        Assert.Contains(first.Id, ex.Message, StringComparison.Ordinal);
        release.SetResult();
        Assert.Equal(DreamRunStatus.Completed, (await jobs.WaitAsync(first.Id)).Status);
    }

    [Fact]
    public async Task Jobs_come_from_the_container_and_unknown_runs_are_named()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents();
        await using var provider = services.BuildServiceProvider();
        var jobs = provider.GetRequiredService<DreamJobs>();

        await Assert.ThrowsAsync<DreamRunNotFoundException>(() => jobs.WaitAsync("dr-missing"));
        await Assert.ThrowsAsync<DreamRunNotFoundException>(() => jobs.CancelAsync("dr-missing"));
    }

    [Fact]
    public async Task A_job_started_inside_a_session_and_a_span_runs_in_neither()
    {
        // The dream runs in the background, after the caller's session and span may have ended: a reflector model behind
        // UseDreaming() would otherwise record its prompts (other sessions' content) into the caller's session, and the
        // dream's spans would join the caller's trace.
        var services = new ServiceCollection();
        services.AddDreamingAgents();
        await using var provider = services.BuildServiceProvider();
        var sessions = provider.GetRequiredService<IAgentSessionFactory>();
        var accessor = provider.GetRequiredService<IAgentSessionAccessor>();
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8));
        var runs = new InMemoryDreamRunStore();
        var reflector = new CapturingReflector(accessor);
        var jobs = new DreamJobs(new DreamConsolidator(traces, new InMemoryMemoryStore(), runs, reflector: reflector), runs);

        using var source = new ActivitySource("Dreaming.Tests.DreamJobs");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        DreamRun run;
        using (var caller = source.StartActivity("caller"))
        {
            Assert.NotNull(caller);
            await using var session = sessions.StartSession("support-bot", "ask for a dream");
            run = await jobs.StartAsync(new DreamRunRequest { Scope = s_scope });
        }

        Assert.Equal(DreamRunStatus.Completed, (await jobs.WaitAsync(run.Id)).Status);
        Assert.True(reflector.Called);
        Assert.Null(reflector.AmbientSession);
        Assert.Null(reflector.CurrentActivity);
    }

    private static (DreamJobs Jobs, InMemoryTraceStore Traces, InMemoryMemoryStore Memory, TaskCompletionSource Release) Create()
    {
        var traces = new InMemoryTraceStore();
        var memory = new InMemoryMemoryStore();
        var runs = new InMemoryDreamRunStore();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var dreams = new DreamConsolidator(traces, memory, runs, reflector: new WaitingReflector(release.Task));
        return (new DreamJobs(dreams, runs), traces, memory, release);
    }

    private sealed class WaitingReflector(Task release) : IDreamReflector
    {
        public async Task<ReflectionResult> ReflectAsync(ReflectionRequest request, CancellationToken cancellationToken)
        {
            await release.WaitAsync(cancellationToken);
            return new ReflectionResult(TemplateLessonWriter.Write(request.Findings, request.BaseFailureRate), SessionUsage.Zero, null);
        }
    }

    private sealed class CapturingReflector(IAgentSessionAccessor accessor) : IDreamReflector
    {
        public bool Called { get; private set; }

        public IAgentSession? AmbientSession { get; private set; }

        public Activity? CurrentActivity { get; private set; }

        public Task<ReflectionResult> ReflectAsync(ReflectionRequest request, CancellationToken cancellationToken)
        {
            Called = true;
            AmbientSession = accessor.Current;
            CurrentActivity = Activity.Current;
            return Task.FromResult(new ReflectionResult(TemplateLessonWriter.Write(request.Findings, request.BaseFailureRate), SessionUsage.Zero, null));
        }
    }
}
